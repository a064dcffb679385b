"""A statement page's text as table rows: the printed label and the numbers that end it.

PDFium gives one line per table row mostly, but not always: a long label wraps onto a
second line, or its numbers land alone on the next one; some layouts run several rows
into one line ("Net sales $ 18,992.8 $ 18,127.0 Cost of sales 12,590.6 11,678.7"). So a
line is read as runs of words and of numbers: a run of as many numbers as the table has
columns ends a row, the words before it are its label, and a shorter run ("allowance of
$23 and $25") belongs to the label. A dash is a column with no value; "$" is a currency
mark; a number with "%" (a percent-of-sales column) is not a column.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from retrieval.key_figures.columns import MONTHS

_NUMBER = re.compile(r"^\$?(\()?\$?(-)?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(\))?$")
_DASHES = {"—", "–", "-", "--", "―", "$—", "$-", "$–", "(—)"}
_YEAR = re.compile(r"^(19[89]\d|20[0-4]\d)$")
_LEADERS = re.compile(r"\.{3,}")  # "Total revenue......... 4,795,511"


@dataclass(frozen=True)
class Run:
    """Words, then the numbers that follow them on the line (as printed, and signed)."""

    words: str
    tokens: list[str]
    values: list[float | None]  # None for a dash: the column has no value

    @property
    def is_years(self) -> bool:
        """A column header's "2018 2017 2016", not a row, nor a label's "... of $22 in
        2020, 2019" (years in prose follow a listed year or a preposition)."""
        before = self.words.split()[-1:] or [""]
        prose = bool(re.fullmatch(r"(19|20)\d\d,|in|of|for|through|to|since", before[0].lower()))
        return bool(self.tokens) and all(_YEAR.match(t) for t in self.tokens) and not prose


def value(token: str) -> float | None | str:
    """A token's value: a float (parentheses or a minus are negative), None for a dash, or
    the token itself when it is a word ("(Note", "31,")."""
    if token in _DASHES:
        return None
    match = _NUMBER.match(token)
    if match is None or bool(match.group(1)) != bool(match.group(4)):
        return token
    amount = float(match.group(3).replace(",", ""))
    return -amount if match.group(1) or match.group(2) else amount


def read_line(text: str) -> list[Run]:
    """A line as runs of words and numbers, in order; percent cells are dropped."""
    tokens = _LEADERS.sub(" ", text).split()
    runs: list[Run] = []
    words: list[str] = []
    printed: list[str] = []
    values: list[float | None] = []
    for n, token in enumerate(tokens):
        following = tokens[n + 1] if n + 1 < len(tokens) else ""
        if token in ("$", "%") or token.endswith("%") or token.endswith("%)"):
            continue
        parsed = value(token)
        if n and tokens[n - 1].lower().rstrip(".") in MONTHS and re.fullmatch(r"\d{1,2}", token):
            parsed = token  # the day of "December 31 2023 2022"
        if isinstance(parsed, str):
            if printed:
                runs.append(Run(" ".join(words), printed, values))
                words, printed, values = [], [], []
            words.append(token)
        elif following != "%":  # "100.0 %": a percent column
            printed.append(token)
            values.append(parsed)
    if words or printed:
        runs.append(Run(" ".join(words), printed, values))
    return runs


def column_count(lines: list[list[Run]]) -> int:
    """The table's number of value columns: the most common length of a number run (two
    or more preferred: one number alone is often part of a label), headers' years aside."""
    counts: Counter[int] = Counter(
        len(run.tokens) for runs in lines for run in runs if run.tokens and not run.is_years
    )
    multi = {n: c for n, c in counts.items() if n >= 2}
    if multi:
        return max(multi, key=lambda n: (multi[n], n))
    return 1 if counts else 0
