"""A company's key figures as one table across its filings: a line per item, a column per
period in time order, each value with the filing and page it was read from.

Built from what was already read (the company's `KeyFigure` rows and the catalogue's
documents, one read each), so the CLI, the TUI and a test all see the same table. Two
filings that print the same value for a line and period give one value with two sources
(the newest filing cited first); two that print different values (a restatement) give
both, newest first, each with its sources. Pages are zero-based here, as stored; whoever
shows them adds one, as every citation in the product does (`[DOC p.N]`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingestion.records import DocumentMeta
from retrieval.key_figures.items import ITEMS
from retrieval.key_figures.records import KeyFigure

_YEAR = re.compile(r"^FY(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_TO_DATE = re.compile(r"^(\d{4}) (\d{1,2})M$")


def period_order(period: str) -> tuple[int, int, int, str]:
    """Time order of the period spellings: a year's quarters and years to date by the month
    they end, then the fiscal year; a spelling not known goes last."""
    if match := _QUARTER.match(period):
        return int(match[1]), int(match[2]) * 3, 0, period
    if match := _TO_DATE.match(period):
        return int(match[1]), int(match[2]), 1, period
    if match := _YEAR.match(period):
        return int(match[1]), 12, 2, period
    return 9999, 99, 9, period


@dataclass(frozen=True)
class Source:
    """Where one filing states a value: the document and the zero-based page."""

    document_id: str
    document_name: str
    page: int
    label: str  # the row label as that filing prints it
    header: str  # the column header as printed
    statement: str
    scale: float  # what that filing prints the value in (1e6: in millions)


@dataclass(frozen=True)
class Value:
    """One value of a line in one period, and every filing that states it (newest first)."""

    value: float  # as printed by the newest filing, in its `scale`
    scale: float
    unit: str
    period_end: str
    sources: tuple[Source, ...]

    @property
    def amount(self) -> float:
        return self.value * self.scale

    @property
    def source(self) -> Source:
        return self.sources[0]


@dataclass(frozen=True)
class Line:
    """A row of the table: a core item (`item` set) or, with every label, a printed one."""

    key: str  # the item name, or "label:<statement>:<label>" for a printed row
    item: str
    title: str
    statement: str
    cells: dict[str, tuple[Value, ...]]  # by period; more than one value: restated

    @property
    def unit(self) -> str:
        return next((v[0].unit for v in self.cells.values()), "")

    @property
    def scale(self) -> float:
        """The scale its filings print it in most (the larger one on a tie): what a reader
        of the filings expects the line in."""
        counts = Counter(
            s.scale for values in self.cells.values() for v in values for s in v.sources
        )
        return max(counts, key=lambda s: (counts[s], s)) if counts else 1.0

    def restated(self, period: str) -> bool:
        return len(self.cells.get(period, ())) > 1


@dataclass(frozen=True)
class FiguresTable:
    company: str
    periods: list[str]  # in time order
    lines: list[Line]
    documents: list[DocumentMeta] = field(default_factory=list)  # those cited, newest first

    def line(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def _newness(meta: DocumentMeta) -> tuple[int, int, int, str, str]:
    """How recent a filing is: by the period it covers, then its date, then its name."""
    year, month, kind, _ = period_order(meta.fiscal_period) if meta.fiscal_period else (0, 0, 0, "")
    if not meta.fiscal_period and meta.fiscal_year:
        year, month, kind = meta.fiscal_year, 12, 2
    return year, month, kind, meta.doc_date, meta.name


def _same(a: KeyFigure, b: Value) -> bool:
    """The same figure: equal as printed, or, printed in different scales (thousands in one
    filing, millions in another), equal to within the rounding of the coarser one. A
    figure a filing prints differently in the same scale (2.50 then 2.51) is restated."""
    if a.unit != b.unit:
        return False
    tolerance = 0.5 * max(a.scale, b.scale) if a.scale != b.scale else 0.0
    return abs(a.amount - b.amount) <= tolerance + 1e-9 * max(abs(a.amount), 1.0)


def _line_key(figure: KeyFigure) -> str:
    if figure.item:
        return figure.item
    label = " ".join(figure.label.split()).rstrip(":").lower()
    return f"label:{figure.statement}:{label}"


def build_table(
    company: str,
    figures: Iterable[KeyFigure],
    documents: Iterable[DocumentMeta],
    every_label: bool = False,
) -> FiguresTable:
    """The table of `figures` (one company's), their documents' metadata giving each filing's
    name and recency. Core items in `ITEMS` order; with `every_label`, every other printed
    row after them, by statement and first appearance."""
    metas = {meta.id: meta for meta in documents}
    newest_first = sorted(
        (f for f in figures if f.document_id in metas and (f.item or every_label)),
        key=lambda f: (_newness(metas[f.document_id]), -f.page, -f.row),
        reverse=True,
    )
    cells: dict[str, dict[str, list[Value]]] = {}
    labels: dict[str, KeyFigure] = {}
    for figure in newest_first:
        key = _line_key(figure)
        labels.setdefault(key, figure)
        meta = metas[figure.document_id]
        source = Source(
            figure.document_id,
            meta.name,
            figure.page,
            figure.label,
            figure.header,
            figure.statement,
            figure.scale,
        )
        values = cells.setdefault(key, {}).setdefault(figure.period, [])
        for number, known in enumerate(values):
            if _same(figure, known):
                if source not in known.sources:
                    extra = (*known.sources, source)
                    values[number] = Value(
                        known.value, known.scale, known.unit, known.period_end, extra
                    )
                break
        else:
            values.append(
                Value(figure.value, figure.scale, figure.unit, figure.period_end, (source,))
            )
    periods = sorted({p for by_period in cells.values() for p in by_period}, key=period_order)
    lines = [_line(key, labels[key], cells[key]) for key in _line_order(labels)]
    cited = {
        s.document_id for line in lines for vs in line.cells.values() for v in vs for s in v.sources
    }
    documents_cited = sorted((metas[i] for i in cited), key=_newness, reverse=True)
    return FiguresTable(company, periods, lines, documents_cited)


def _line_order(first: dict[str, KeyFigure]) -> list[str]:
    core = [name for name in ITEMS if name in first]
    printed = sorted(
        (key for key in first if key not in ITEMS),
        key=lambda key: (first[key].statement, first[key].row, key),
    )
    return core + printed


def _line(key: str, figure: KeyFigure, values: dict[str, list[Value]]) -> Line:
    item = ITEMS.get(key)
    title = item.title if item else " ".join(figure.label.split())
    statement = item.statement.value if item else figure.statement
    cells = {period: tuple(vs) for period, vs in values.items()}
    return Line(key, item.name if item else "", title, statement, cells)
