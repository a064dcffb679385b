"""The table rows and column headers a question points to, kept in every passage of a page.

A passage is a unit's best chunks; on a statement page those may be the wrong rows: "capital
expenditure" is written "Purchases of property, plant and equipment", and the chunk that
matched the question best may hold the title and the first rows while the figure asked for
sits forty lines below. A passage that drops that row gives the model the page's label but
not its numbers (issue 23: gold page in a 4K prompt for 0.90 of questions, its figures for
0.79). So the rows whose label names one of the question's line items (its own words, or
the names a statement gives the metric it asks for) go in with the column headers that
say which period and unit each figure is.

pypdf writes a row's label and its figures on separate lines ("Depreciation\\n \\n1,488 \\n
1,544"): a row is a line with words and the lines of figures under it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from retrieval.question import ITEM_WORD, YEAR, RowTerms

MAX_ROWS = 8  # rows kept per page: the question's line items, best-matched first
MIN_SCORE = 2  # a line item the question names (2), or two of its words (1 each)
MAX_HEADERS = 3  # header lines kept per page: periods and units
TABLE_ROWS = 30  # a passage's reach: rows either side of a matched row (its whole table)
NEAR_ROWS = 6  # an excerpt's reach: a small table whole, a large one around the row
_LETTERS = re.compile(r"[A-Za-z]{2,}")
_DIGIT = re.compile(r"\d")
_FIGURES = r"[$€£]?\s*\(?-?\d[\d,]*(?:\.\d+)?%?\)?%?"
_TRAILING = re.compile(rf"(?:^|\s){_FIGURES}(?:\s+{_FIGURES})+\s*$")
_UNIT = re.compile(
    r"in (millions|thousands|billions)|\((millions|thousands|billions)\)|except per share", re.I
)


def row_spans(
    terms: RowTerms, pages: Mapping[int, str], reach: int = 0
) -> dict[int, list[tuple[int, int]]]:
    """Character spans, per page, of the rows the question's line items name (`terms`,
    read from it by `retrieval.question`) and of the
    column headers (the periods it names, the unit of the figures), with up to `reach`
    rows of the same table either side of each (the peers and periods compared with it)."""
    if not terms.phrases and not terms.stems:
        return {}
    phrases, stems, years = terms.phrases, terms.stems, terms.years
    spans: dict[int, list[tuple[int, int]]] = {}
    for index, text in pages.items():
        rows = _rows(text)
        scored = []
        for order, (start, end, label) in enumerate(rows):
            if not _is_row(text[start:end]):
                continue  # a heading or a line of prose, not a row of figures
            lower = label.lower()
            score = 2 * sum(p in lower for p in phrases)
            score += len({w[:6] for w in ITEM_WORD.findall(lower)} & stems)
            if score >= MIN_SCORE:
                scored.append((-score, order, start, end))
        best = sorted(scored)[:MAX_ROWS]
        kept = [(start, end) for _, _, start, end in best]
        if not kept:
            continue
        if reach:
            kept += [_table(text, rows, order, reach) for _, order, _, _ in best]
        first = min(start for start, _ in kept)
        headers = [
            (start, end)
            for start, end, label in rows
            if start < first and _header(text[start:end], years)
        ]
        spans[index] = kept + headers[-MAX_HEADERS:]
    return spans


def _rows(text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of each line with words, with the figure-only lines under it."""
    rows: list[tuple[int, int, str]] = []
    at = 0
    for line in text.splitlines(keepends=True):
        end = at + len(line.rstrip("\r\n"))
        if _LETTERS.search(line) or not rows:
            rows.append((at, end, line.strip()))
        elif line.strip():
            start, _, label = rows[-1]
            rows[-1] = (start, end, label)
        at += len(line)
    return rows


def _table(text: str, rows: list[tuple[int, int, str]], at: int, reach: int) -> tuple[int, int]:
    """The span of the table holding row `at`: the rows either side of it, across single
    lines that are not rows (a sub-heading), at most `reach` each way."""
    bounds = []
    for step in (-1, 1):
        edge, gap, n = at, 0, at + step
        while 0 <= n < len(rows) and abs(n - at) <= reach and gap <= 1:
            if _is_row(text[rows[n][0] : rows[n][1]]):
                edge, gap = n, 0
            else:
                gap += 1
            n += step
        bounds.append(edge)
    return rows[bounds[0]][0], rows[bounds[1]][1]


def _is_row(row: str) -> bool:
    """A table row: its figures on lines of their own under the label (pypdf), or two or
    more figures ending the line ("Net sales $ 3,226.8 $ 2,729.4"); prose that quotes a
    figure ("rose 18.2% to $3.2 billion") is neither."""
    first, _, rest = row.partition("\n")
    if _DIGIT.search(rest):
        return True
    return bool(_TRAILING.search(first))


def _header(row: str, years: frozenset[str]) -> bool:
    """Column headers: the unit of the figures, or the periods (two years, or one named)."""
    if _UNIT.search(row):
        return True
    found = set(YEAR.findall(row))
    return len(found) >= 2 or bool(found & years) and len(row) < 120
