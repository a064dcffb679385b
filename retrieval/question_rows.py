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

MAX_ROWS = 8  # rows kept per page: the question's line items, best-matched first
MIN_SCORE = 2  # a line item the question names (2), or two of its words (1 each)
MAX_HEADERS = 3  # header lines kept per page: periods and units
TABLE_ROWS = 30  # a passage's reach: rows either side of a matched row (its whole table)
NEAR_ROWS = 6  # an excerpt's reach: a small table whole, a large one around the row
_WORD = re.compile(r"[a-z][a-z&]+")
_LETTERS = re.compile(r"[A-Za-z]{2,}")
_DIGIT = re.compile(r"\d")
_FIGURES = r"[$€£]?\s*\(?-?\d[\d,]*(?:\.\d+)?%?\)?%?"
_TRAILING = re.compile(rf"(?:^|\s){_FIGURES}(?:\s+{_FIGURES})+\s*$")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_UNIT = re.compile(
    r"in (millions|thousands|billions)|\((millions|thousands|billions)\)|except per share", re.I
)
# Words of a question that name no line item.
_STOP_WORDS = """what which when where were was the and for from with that this these those their
    amount amounts value total company company's companies fiscal year years usd dollars
    millions billions thousands million billion based data give response question answer
    relying details shown statement statements report reported please provide using use
    calculate calculation compute metric ratio round rounded decimal places number numbers
    does did has have had how much many over between change changed compared versus
    information outlined stated only clearly within according assume you are your analyst
    public equities investment banker resources following defined define reasonable
    approximation exact possible primary financial sheet balance income cash flow flows
    consolidated end year-end term during period quarter annual basis used shown"""
_STOP = frozenset(_STOP_WORDS.split())
# What a question calls a metric, and the line items a statement writes it with.
_ITEMS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (
        re.compile(r"capex|capital expenditure|capital[- ]intensive", re.I),
        ("purchases of property", "capital expenditure", "additions to property"),
    ),
    (
        re.compile(r"revenue|\bsales\b|top line|capital[- ]intensive|margin|turnover", re.I),
        ("net sales", "revenue", "total revenues", "net revenues"),
    ),
    (
        re.compile(r"\bCOGS\b|cost of (goods|sales|revenue)|gross (margin|profit)", re.I),
        ("cost of sales", "cost of goods", "cost of revenue", "gross profit"),
    ),
    (
        re.compile(r"operating (margin|income|profit)|\bEBIT", re.I),
        ("operating income", "income from operations", "operating profit"),
    ),
    (
        re.compile(r"working capital|current ratio|quick ratio|liquidity", re.I),
        ("total current assets", "total current liabilities", "cash and cash equivalents"),
    ),
    (
        re.compile(r"quick ratio", re.I),
        ("receivable", "short-term investments", "marketable securities"),
    ),
    (
        re.compile(r"return on assets|\bROA\b|asset turnover|capital[- ]intensive", re.I),
        ("total assets", "net income", "property, plant"),
    ),
    (re.compile(r"\bPP&?N?E\b|fixed asset", re.I), ("property, plant", "total assets")),
    (re.compile(r"dividend|payout", re.I), ("dividends", "net income")),
    (
        re.compile(r"free cash ?flow|\bFCF\b|cash ?flow conversion", re.I),
        ("net cash provided by operating", "purchases of property", "net income"),
    ),
    (
        re.compile(r"operating cash ?flow|cash from operations", re.I),
        ("net cash provided by operating", "total current liabilities"),
    ),
    (re.compile(r"inventor", re.I), ("inventories", "cost of sales")),
    (re.compile(r"\bD&A\b|depreciation", re.I), ("depreciation",)),
    (re.compile(r"\bEPS\b|per share", re.I), ("per share",)),
    (re.compile(r"effective tax rate", re.I), ("income before income taxes", "provision for")),
    (re.compile(r"\bdebt\b", re.I), ("long-term debt", "short-term borrowings", "total debt")),
]


def row_spans(
    question: str, pages: Mapping[int, str], reach: int = 0
) -> dict[int, list[tuple[int, int]]]:
    """Character spans, per page, of the rows the question's line items name and of the
    column headers (the periods it names, the unit of the figures), with up to `reach`
    rows of the same table either side of each (the peers and periods compared with it)."""
    phrases = {p for pattern, items in _ITEMS if pattern.search(question) for p in items}
    stems = {w[:6] for w in _WORD.findall(question.lower()) if len(w) > 3 and w not in _STOP}
    years = set(_YEAR.findall(question)) | {
        f"20{y}" for y in re.findall(r"\bFY'?(\d{2})\b", question, re.I)
    }
    spans: dict[int, list[tuple[int, int]]] = {}
    for index, text in pages.items():
        rows = _rows(text)
        scored = []
        for order, (start, end, label) in enumerate(rows):
            if not _is_row(text[start:end]):
                continue  # a heading or a line of prose, not a row of figures
            lower = label.lower()
            score = 2 * sum(p in lower for p in phrases)
            score += len({w[:6] for w in _WORD.findall(lower)} & stems)
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


def _header(row: str, years: set[str]) -> bool:
    """Column headers: the unit of the figures, or the periods (two years, or one named)."""
    if _UNIT.search(row):
        return True
    found = set(_YEAR.findall(row))
    return len(found) >= 2 or bool(found & years) and len(row) < 120
