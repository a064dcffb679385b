"""Read a filing's primary statements as data: every line item, each period column.

The statement pages are the ones `retrieval.statements.statement_pages` finds at ingest
(a statement continued on the next page included). On each page, the table's column
count is the most common length of a number run (`rows.py`); the text above the first
row, or above a new header further down (an earnings release may print two tables on a
page), names the columns' periods (`columns.py`) and the scale ("In millions, except per
share data"); a page without a header continues the previous page's columns. A label
wrapped onto two lines is joined when its second line starts in lower case or a digit, when
its first ends unfinished ("... SHAREOWNERS OF"), or when the numbers stand alone on the
next line; labels printed apart from a block of numbers are left unread rather than
guessed. Per-share rows are in dollars (scale 1), share counts in the shares' stated scale,
everything else in the table's scale. A value is as printed and signed: parentheses are
negative, a dash is no value (no figure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ingestion.records import DocumentMeta
from retrieval.key_figures.columns import Column, columns
from retrieval.key_figures.labels import item, unit
from retrieval.key_figures.labels import rank as label_rank
from retrieval.key_figures.records import KeyFigure
from retrieval.key_figures.rows import Run, column_count, read_line
from retrieval.statements import Statement, statement_pages, statement_text

_SCALES = {"thousand": 1e3, "thousands": 1e3, "million": 1e6, "millions": 1e6,
           "billion": 1e9, "billions": 1e9}  # fmt: skip
_SCALE = re.compile(r"\b(thousands?|millions?|billions?)\b", re.I)
_HEADER_NOTE = re.compile(r"\b(thousands?|millions?|billions?|unaudited)\b", re.I)
_SHARE_SCALE = re.compile(r"shares? (?:are |amounts )?in (thousands|millions|billions)", re.I)
_SHARES_TOO = re.compile(r"\$ and shares in (thousands|millions|billions)", re.I)
# Each period an amount and its percent of sales, the percents printed without "%": "Amount
# to Sales" under "Percent" (J&J), "Amount % of Sales", once per period in the header.
_PAIRED = re.compile(
    r"\bamount\s+(?:%|percent)?\s*(?:to|of)\s+(?:net\s+)?(?:sales|revenues?)\b", re.I
)
_SHARES_EXCEPTED = re.compile(r"except (for )?(number of )?shares?\b(?! data)|except share", re.I)


# A line ending like this is a label's first part ("NET INCOME ATTRIBUTABLE TO SHAREOWNERS OF")
_UNFINISHED = re.compile(
    r"(\b(of|and|to|the|for|in|from|on|by|with|or|at|including|excluding|less)|[,\-–—])$", re.I
)

HEAD_PAIRS = 600  # characters of a page's head that say its columns come in pairs
STATEMENT_ROWS = 10_000  # rows a statement may number; the next one's rows start after


@dataclass
class _Table:
    """What carries over from one line, and one page, of a statement to the next."""

    columns: list[Column] | None = None
    count: int = 0
    scale: float = 1.0
    share_scale: float = 1.0
    row: int = 0
    heading: str = ""  # the last heading line above the rows ("Net income per share:")
    subheading: str = ""  # a short one under it ("Diluted")
    head: list[str] = field(default_factory=list)  # text since the last row


def extract_figures(document_id: str, pages: dict[int, str], meta: DocumentMeta) -> list[KeyFigure]:
    """Every value of the filing's income statement, balance sheet and cash flow statement."""
    figures: list[KeyFigure] = []
    for statement, indexes in statement_pages(pages).items():
        # Rows count on from a base of their own per statement: two statements may share a
        # page (an earnings release's cash flow statement and balance sheet).
        table = _Table(row=STATEMENT_ROWS * list(Statement).index(statement))
        for index in indexes:
            text = statement_text(pages[index], statement)
            figures.extend(_page(document_id, statement, index, text, meta, table))
    return _one_row_per_item(figures)


def _scales(head: str, table: _Table) -> None:
    found = _SCALE.search(head)
    if found is None:
        return
    table.scale = _SCALES[found.group(1).lower()]
    shares = _SHARE_SCALE.search(head) or _SHARES_TOO.search(head)
    if shares:
        table.share_scale = _SCALES[shares.group(1).lower()]
    elif _SHARES_EXCEPTED.search(head):
        table.share_scale = 1.0
    else:
        table.share_scale = table.scale


def _page(
    document_id: str, statement: Statement, index: int, text: str, meta: DocumentMeta, table: _Table
) -> list[KeyFigure]:
    lines = [read_line(line) for line in text.splitlines()]
    if len(_PAIRED.findall(text[:HEAD_PAIRS])) >= 2:  # a header over the pairs, not prose
        lines = [[_amounts(run) for run in line] for line in lines]
    count = column_count(lines)
    if count != table.count:
        table.columns, table.count = None, count
    table.head = []
    pending: list[str] = []  # label lines not yet ended by numbers
    found: list[KeyFigure] = []
    instant = statement == Statement.BALANCE
    bare = [_numbers_only(line, count) for line in lines]
    for number, line in enumerate(lines):
        if bare[number] and bare[number + 1 : number + 2] == [True] and len(pending) > 1:
            pending = []  # labels printed apart from a block of numbers: no telling which is whose
        words: list[str] = []
        for n, run in enumerate(line):
            words.append(run.words)
            following = line[n + 1].words if n + 1 < len(line) else ""
            if following[:1].islower():  # "doubtful accounts - $42 and $46 2,004 2,133"
                words[-1] = " ".join([run.words, *run.tokens])
                continue
            if run.is_years:  # a header: the lines above it were its header too
                table.head.append(" ".join([*words, *run.tokens]))
                words, pending = [], []
                continue
            if len(run.tokens) < count:  # part of the label: "allowance of $23 and $25"
                words[-1] = " ".join([run.words, *run.tokens])
                continue
            extra, values = _without_footnotes(run, count)
            label_words = " ".join([*words, *extra]).strip()
            head = " ".join(table.head)
            if (
                table.head
                and (new := columns(head, count, instant, meta)) is not None
                and _plausible(new, table, meta)
            ):
                table.columns, table.heading, table.subheading = new, "", ""
                pending = [p for p in pending if not _HEADER_NOTE.search(p)]
                _scales(head, table)
            elif table.columns is None and table.head:
                _scales(head, table)
            label = _label(pending, label_words, table)
            pending, words = [], []
            table.head = []
            if table.columns is None or not label:
                continue
            found.extend(_row(document_id, statement, index, label, values, table))
        rest = " ".join(w for w in words if w).strip()
        if rest:
            pending.append(rest)
            table.head.append(rest)
    return found


def _amounts(run: Run) -> Run:
    """A run of amount and percent pairs as its amounts alone."""
    if len(run.tokens) < 4 or len(run.tokens) % 2 or run.is_years:
        return run
    return Run(run.words, run.tokens[::2], run.values[::2])


def _numbers_only(line: list[Run], count: int) -> bool:
    only = len(line) == 1 and not line[0].words and not line[0].is_years
    return only and len(line[0].tokens) >= count > 0


def _plausible(new: list[Column], table: _Table, meta: DocumentMeta) -> bool:
    """A header further down a page must name years near the filing's ("Notes due 2025
    and 2026:" is a heading, not a header)."""
    if table.columns is None or not meta.fiscal_year:
        return True
    years = [int(re.sub(r"\D", "", c.period)[:4]) for c in new]
    return all(abs(y - meta.fiscal_year) <= 3 for y in years)


def _without_footnotes(run: Run, count: int) -> tuple[list[str], list[float | None]]:
    """The run's last `count` values, footnote marks between them dropped ("$ 0.29 3 $ 1.51
    $ 1.69"), and the tokens before them (a label's end, or a mark `_label` leaves out)."""
    tokens, values = list(run.tokens), list(run.values)
    while len(tokens) > count:
        inside = [n for n in range(1, len(tokens)) if re.fullmatch(r"\d", tokens[n])]
        if not inside:
            break
        del tokens[inside[0]], values[inside[0]]
    return tokens[: len(tokens) - count], values[len(values) - count :]


def _label(pending: list[str], words: str, table: _Table) -> str:
    """The row's label: its own words, joined to the line above when that line is the
    label's first part (the numbers alone, or a continuation: lower case, a digit, or after
    "... OF"); the lines above that are not part of it are headings. Lines without a
    letter (footnote marks) are no label."""
    pending = [p for p in pending if re.search(r"[A-Za-z]", p)]
    words = words if re.search(r"[A-Za-z]", words) else ""
    last = pending[-1] if pending else ""
    if not words:
        if len(pending) >= 2 and last[:1].islower():
            label, headings = f"{pending[-2]} {last}", pending[:-2]
        else:
            label, headings = last, pending[:-1]
    elif last and not last.endswith(":") and _continued(last, words):
        label, headings = f"{last} {words}", pending[:-1]
    else:
        label, headings = words, pending
        heading, colon, rest = words.rpartition(": ")
        if colon and rest[:1].isupper():  # "Current liabilities: Accounts payable", one line
            label, headings = rest, [*headings, heading + colon]
    for line in headings[-2:]:
        if len(line.split()) <= 2 and table.heading:  # "Diluted" under "Earnings per share"
            table.subheading = line
        else:
            table.heading, table.subheading = line, ""
    return label


def _continued(last: str, words: str) -> bool:
    return words[:1].islower() or words[:1].isdigit() or bool(_UNFINISHED.search(last))


def _row(
    document_id: str,
    statement: Statement,
    index: int,
    label: str,
    values: list[float | None],
    table: _Table,
) -> list[KeyFigure]:
    assert table.columns is not None
    table.row += 1
    heading = f"{table.heading} {table.subheading}".strip()
    row_unit = unit(label, heading, statement)
    scale = {"USD/share": 1.0, "shares": table.share_scale}.get(row_unit, table.scale)
    name = item(label, heading, statement, row_unit)
    return [
        KeyFigure(
            document_id=document_id,
            statement=statement.value,
            page=index,
            row=table.row,
            column=n,
            label=label,
            item=name,
            period=column.period,
            period_end=column.period_end,
            header=column.header,
            value=value,
            scale=scale,
            unit=row_unit,
        )
        for n, (column, value) in enumerate(zip(table.columns, values, strict=True))
        if value is not None
    ]


def _one_row_per_item(figures: list[KeyFigure]) -> list[KeyFigure]:
    """One row per statement and period stands for an item (`labels.rank`, then the first)."""
    best: dict[tuple[str, str, str], tuple[int, int]] = {}
    for f in figures:
        if f.item:
            rank = label_rank(f.label)
            key = (f.statement, f.item, f.period)
            if key not in best or (rank, f.row) < best[key]:
                best[key] = (rank, f.row)
    return [
        f
        if not f.item or best[(f.statement, f.item, f.period)][1] == f.row
        else replace(f, item="")
        for f in figures
    ]
