"""What a number in a text means: its value, its unit, its sign and whether it is a figure.

An analyst reads "12%" as a percentage, "Note 12" as a reference, "2023" as a year and
"5,213" under "(in millions)" as $5.2 billion. These rules are the ones the figure check
and the calculation check share (retrieval/figures.py, retrieval/calculations.py):

- a figure's kind is `amount`, `percent` (%, percent) or `points` (basis points and
  percentage points, in percentage points: 50 bps = 0.5); kinds never match each other,
  except that a bare number on a line the page labels as % ("Gross margin (%)") may stand
  for a percentage;
- a scale (thousand, million, billion) comes from the number's own unit ("$5.2 billion",
  "412 million", "$3M") or, for a page's bare numbers, from what the page states ("in
  millions", "$ in billions", "(in thousands, except per share)"); nothing else;
- years standing alone (1990-2039), page references (p. 1, page 12), note, item, exhibit
  and section numbers and footnote marks ("Revenue(1)") are not figures;
- a sign is stated by parentheses, a leading minus or a word ("decrease of 3%", "a loss of
  $12 million"; "increase of", "rose"): a stated sign must agree with the page's, while an
  unsigned figure matches either (prose writes outflows without their parentheses);
- ranges ("5-7%", "$1.2-1.4 billion") are two figures, the unit of the second serving both;
- a number split across a line on a page ("$1,\\n234") is read whole.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

AMOUNT, PERCENT, POINTS = "amount", "percent", "points"

UNIT = (
    # A "%" alone at the head of the next line is still the number's; "% to Sales" is a label.
    r"(?P<unit>\n%(?![ \t]*[A-Za-z(])"
    r"|[^\S\n]?(?:%|percent(?:age\s+points?)?\b|pct\b|basis\s+points?\b|bps\b|bp\b"
    r"|pts?\b|ppts?\b|percentage\s+points?\b|thousand\b|million\b|billion\b|trillion\b"
    r"|mm\b|[kmb]n?\b))?"
)
NUMBER = re.compile(
    # Not inside a word or glued to one: Q4, FY22, S3, 10-K, 2023/24, "Revenue(1)".
    r"(?<![A-Za-z0-9.,_/(])"
    r"(?P<open>\()?(?P<minus>[-−](?=\$?\d))?(?P<cur>(?:US)?\$|€|£)?\s?(?P<open2>\()?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<close>\))?"
    r"(?![.,]?\d)(?!-[A-Za-z])" + UNIT,
    re.IGNORECASE,
)
# "5-7%", "$1.2-1.4 billion", "5% to 7%": two figures, the second's unit serving both.
RANGE = re.compile(
    r"(?<![A-Za-z0-9.,_/])(?P<cur>\$)?(?P<a>\d+(?:\.\d+)?)(?P<unit_a>%)?\s?(?:[-–]|to)\s?"
    r"(?P<cur_b>\$)?(?P<b>\d+(?:\.\d+)?)(?![.,]?\d)" + UNIT,
    re.IGNORECASE,
)
SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "mm": 1e6,
    "billion": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
SHORT_SCALES = {"k", "m", "b", "mm"}  # "3M" is a company; "5.2bn" and "$3M" are figures
# A reference, not a quantity: "Note 12", "Item 7", "p. 4", "Exhibit 10", "Level 3".
REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:[Nn]otes?|NOTES?|Items?|ITEMS?|Exhibits?|EXHIBITS?|Sections?|SECTIONS?|Parts?|PART|"
    r"Schedules?|[Pp]ages?|PAGES?|pp?|pg|[Ff]ootnotes?|Chapters?|Articles?|Rules?|Forms?|FORM|"
    r"Levels?|Tiers?|Steps?|Phases?|No|Nos|Numbers?|ASC|ASU|Topic|FY|Q)\.?|#)\s*$"
)
NEGATIVE_BEFORE = re.compile(
    r"\b(?:decrease[sd]?|declines?d?|declining|dropped|fell|falls?|reductions?|"
    r"reduced|loss(?:es)?|lost|deficits?|down|lower|contract(?:ed|ion))"
    r"(?:\s+(?:of|by|was|were|is|totaling|totalling))?\s*(?:\(|\$|US\$)?\s*$",
    re.IGNORECASE,
)
POSITIVE_BEFORE = re.compile(
    r"\b(?:increase[sd]?|rise|rose|risen|grew|grown|growth|gains?|gained|up|higher)"
    r"(?:\s+(?:of|by|was|were|is))?\s*(?:\$|US\$)?\s*$",
    re.IGNORECASE,
)
NEGATIVE_AFTER = re.compile(r"^\s*(?:decrease|decline|drop|reduction|lower|loss)\b", re.I)
POSITIVE_AFTER = re.compile(r"^\s*(?:increase|rise|growth|gain|higher)\b", re.I)
PER_SHARE_AFTER = re.compile(r"^\s*(?:per\s+(?:diluted\s+|basic\s+)?share|/share)", re.I)
# Where a page states the scale of its bare numbers.
STATED_SCALE = re.compile(
    r"(?:\bin\b|\(|\$|€|£|\busd\b|\bdollars\b|\bamounts\b)[^.\n\d]{0,20}?"
    r"\b(thousands|millions|billions)\b"
    r"|(?:\bin\s+|\(\s*(?:US)?\$\s*|\$\s*(?:in\s+)?|€\s*|£\s*)(thousand|million|billion)\b(?!\s+(?:of|and))"
    r"|\((?:in\s+)?\$?\s*(000)'?s?\b",
    re.IGNORECASE,
)
STATED = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "000": 1e3}
# A number the page broke across a line: "$1,\n234" or "$\n1,234".
SPLIT_NUMBER = re.compile(r"(\d{1,3}),[ \t]*\r?\n[ \t]*(?=\d{3}(?!\d))|(\$)[ \t]*\r?\n[ \t]*(?=\d)")
PERCENT_LABEL = re.compile(r"(?<![\d\s])\s*%|\(%\)|^\s*%|\bpercent(?:age)?\b", re.I)
ATTACHED_PERCENT = re.compile(r"[\d)]\s?%")


@dataclass(frozen=True)
class Figure:
    """One figure as written: `value` is signed and scaled by its own unit only."""

    text: str
    value: float
    step: float  # half of this is the rounding the figure allows
    percent: bool
    start: int = 0  # offsets in the text it was found in
    end: int = 0
    kind: str = AMOUNT
    scaled: bool = False  # it carries its own scale word (million, bn, $3M)
    sign: str = ""  # "-" or "+" when stated (parentheses, minus, a word), else ""
    percent_line: bool = False  # a bare number on a line the page labels as %
    fixed: bool = False  # a per-share amount: no page scale applies
    scale: float = 1.0  # its own scale (1e6 for "412 million")

    @property
    def magnitude(self) -> float:
        return abs(self.value)


def _blank(match: re.Match[str]) -> str:
    """Same length, so offsets into the cleaned text are offsets into the original."""
    return " " * len(match.group(0))


def _unit(raw_unit: str) -> tuple[str, float]:
    """(kind, scale) of a unit as written."""
    unit = " ".join(raw_unit.lower().split())
    if unit in ("%", "percent", "pct"):
        return PERCENT, 1.0
    if unit.startswith(("basis", "bp")):
        return POINTS, 0.01
    if unit.startswith(("percentage", "pt", "ppt")):
        return POINTS, 1.0
    return AMOUNT, SCALES.get(unit, 1.0)


def is_year(raw: str, has_unit: bool) -> bool:
    return not has_unit and raw.isdigit() and len(raw) == 4 and 1990 <= int(raw) <= 2039


def figures_in(text: str, skip_years: bool = True) -> list[Figure]:
    """The figures of a text with their offsets (years skipped unless `skip_years` is off)."""
    found: list[Figure] = []
    ranged = []
    for match in RANGE.finditer(text):
        pair = _range_figures(match)
        if pair:
            found += pair
            ranged.append(match.span())
    for match in NUMBER.finditer(text):
        if any(a <= match.start("num") < b for a, b in ranged):
            continue
        figure = _figure(text, match, skip_years)
        if figure is not None:
            found.append(figure)
    return sorted(found, key=lambda f: f.start)


def _range_figures(match: re.Match[str]) -> list[Figure]:
    kind, scale = _unit(match.group("unit") or "")
    if match.group("unit_a") and kind != PERCENT:
        return []  # "7% to $5.2 billion": two figures, not a range
    if match.group("cur_b") and not match.group("cur"):
        return []
    if kind == AMOUNT and scale == 1.0 and not match.group("cur"):
        return []  # "2022-2023", "10-12": no unit says these are figures
    out = []
    for name in ("a", "b"):
        raw = match.group(name)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        out.append(
            Figure(
                text=match.group(0).strip(),
                value=float(raw) * scale,
                step=(10.0**-decimals) * scale,
                percent=kind == PERCENT,
                start=match.start(name),
                end=match.end(),
                kind=kind,
                scaled=scale != 1.0,
                scale=scale if kind == AMOUNT else 1.0,
            )
        )
    return out


def _figure(text: str, match: re.Match[str], skip_years: bool) -> Figure | None:
    raw = match.group("num").replace(",", "")
    raw_unit = match.group("unit") or ""
    if raw_unit.strip().lower() in SHORT_SCALES and not match.group("cur"):
        return None  # "3M" is a company, "$3M" a figure
    kind, scale = _unit(raw_unit)
    before = text[max(0, match.start() - 40) : match.start()]
    opened = bool(match.group("open") or match.group("open2"))
    closed = bool(match.group("close"))
    if REFERENCE_BEFORE.search(before):
        return None
    footnote_place = re.search(r"[A-Za-z)\]*]$|(?:^|\n)[ \t]*$", before)
    if opened and closed and raw.isdigit() and len(raw) <= 2 and not raw_unit and footnote_place:
        return None  # "Revenue(1)" or a line opening "(1) Includes...": a footnote mark
    if skip_years and is_year(match.group("num"), bool(raw_unit or match.group("cur"))):
        return None
    start = min(match.start(n) for n in ("cur", "minus", "num") if match.group(n))
    end = match.end("unit") if raw_unit else match.end("num")
    after = text[end : end + 30]
    sign = ""
    if (opened and closed) or match.group("minus"):
        sign = "-"
        if opened and closed:
            start = min(match.start(n) for n in ("open", "open2") if match.group(n))
            end = max(end, match.end("close"))
    elif NEGATIVE_BEFORE.search(before) or NEGATIVE_AFTER.match(after):
        sign = "-"
    elif POSITIVE_BEFORE.search(before) or POSITIVE_AFTER.match(after) or before.endswith("+"):
        sign = "+"
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    number = float(raw) * scale
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return Figure(
        text=text[start:end].strip(),
        value=-number if sign == "-" else number,
        step=(10.0**-decimals) * scale,
        percent=kind == PERCENT,
        start=start,
        end=end,
        kind=kind,
        scaled=scale != 1.0,
        sign=sign,
        percent_line=kind == AMOUNT and bool(PERCENT_LABEL.search(ATTACHED_PERCENT.sub(" ", line))),
        fixed=bool(PER_SHARE_AFTER.match(after)),
        scale=scale if kind == AMOUNT else 1.0,
    )


@dataclass(frozen=True)
class PageFigures:
    """A page's figures, the scales it states for its bare numbers and, in a table whose
    columns are headed by years, the year of each figure's column."""

    figures: tuple[Figure, ...]
    scales: tuple[float, ...]  # 1.0 and every scale the page states
    years: tuple[str | None, ...] = ()  # per figure: its column's year, when known

    def holds(self, figure: Figure, year: str | None = None) -> bool:
        """On the page; with `year`, not only in another year's column.

        Only the page's figures whose magnitude can meet the claim's at some scale are
        tried (`matches` decides, as it did when every figure was tried: a 120-claim
        answer against 480K characters of sources took 0.63 s that way, 0.02 s so)."""
        by_size, sizes, factors = self._index
        tolerance = figure.step / 2 + 1e-9 * max(1.0, figure.magnitude)
        tried: set[int] = set()
        for factor in factors:
            low = bisect_left(sizes, (figure.magnitude - tolerance) / factor * (1 - 1e-12))
            high = bisect_right(sizes, (figure.magnitude + tolerance) / factor * (1 + 1e-12))
            for i in by_size[low:high]:
                if i in tried:
                    continue
                tried.add(i)
                column = self.years[i] if self.years else None
                wanted_year = year is None or column in (None, year)
                if wanted_year and matches(figure, self.figures[i], self.scales):
                    return True
        return False

    @cached_property
    def _index(self) -> tuple[list[int], list[float], tuple[float, ...]]:
        """The figures' positions by magnitude, the sorted magnitudes, and every factor
        `matches` may apply to a page magnitude (the page's scales, 1 / a figure's own)."""
        by_size = sorted(range(len(self.figures)), key=lambda i: self.figures[i].magnitude)
        factors = {1.0, *self.scales, *(1 / f.scale for f in self.figures)}
        return by_size, [self.figures[i].magnitude for i in by_size], tuple(sorted(factors))


def join_split_numbers(text: str) -> str:
    return SPLIT_NUMBER.sub(lambda m: (m.group(1) + ",") if m.group(1) else "$", text)


@lru_cache(maxsize=512)
def read_page(text: str) -> PageFigures:
    """Every figure of a page (years and references left out) and its stated scales."""
    joined = join_split_numbers(text)
    stated = {
        STATED[(m.group(1) or m.group(2) or m.group(3)).lower().rstrip("s")]
        for m in STATED_SCALE.finditer(joined)
    }
    figures = figures_in(joined)
    return PageFigures(tuple(figures), (1.0, *sorted(stated)), column_years(joined, figures))


HEADER_REACH = 40  # lines a header of years reaches down its table
HEADER_YEAR = re.compile(r"(?<![\w.,$])(?:FY\s?)?((?:19|20)\d\d)(?![\w.,%])")


def column_years(text: str, figures: list[Figure]) -> tuple[str | None, ...]:
    """The year heading each figure's column: a line of two or more distinct years and no
    other number heads the rows below it (until the next such line, at most 40 lines): a
    row's first figures take its years in order (columns after the years, "Change" or
    "Useful life", come last), and a row with fewer figures than years is left alone."""
    header: list[str] = []
    since = 0
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    line_of = _line_index(starts)
    by_line: dict[int, list[int]] = {}
    for i, figure in enumerate(figures):
        by_line.setdefault(line_of(figure.start), []).append(i)
    years: list[str | None] = [None] * len(figures)
    for number, line in enumerate(text.split("\n")):
        found = HEADER_YEAR.findall(line)
        distinct = len(found) >= 2 and len(set(found)) == len(found)
        if distinct and not re.search(r"\d", HEADER_YEAR.sub(" ", line)):
            header, since = found, number
            continue
        row = by_line.get(number, [])
        if header and number - since <= HEADER_REACH and len(row) >= len(header):
            for i, year in zip(row, header, strict=False):
                years[i] = year
    return tuple(years)


def _line_index(starts: list[int]) -> Callable[[int], int]:
    from bisect import bisect_right

    return lambda offset: bisect_right(starts, offset) - 1


def matches(claim: Figure, page: Figure, scales: tuple[float, ...] = (1.0,)) -> bool:
    """The claim states the page's figure: same kind, no contrary sign, a scale the page
    or the figure itself gives, within the rounding the claim is written with."""
    if claim.kind != page.kind and not (
        claim.kind == PERCENT and page.kind == AMOUNT and page.percent_line and not page.scaled
    ):
        return False
    if claim.sign == "-" and page.value >= 0:
        return False
    if claim.sign == "+" and page.value < 0:
        return False
    if page.kind != AMOUNT or claim.kind != AMOUNT or page.fixed:
        candidates: tuple[float, ...] = (1.0,)
    elif page.scaled:  # its own unit; a bare claim may give the number as written
        candidates = (1.0,) if claim.scaled else (1.0, 1 / page.scale)
    else:
        candidates = scales
    tolerance = claim.step / 2 + 1e-9 * max(1.0, claim.magnitude)
    return any(abs(page.magnitude * s - claim.magnitude) <= tolerance for s in candidates)
