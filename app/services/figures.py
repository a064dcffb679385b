"""Key figures of a company across its filings: the table `archivist figures` prints and the
TUI's Figures screen shows, its records for `--json` and `--csv`, and the page a value
cites, opened as a source.

The table is read from the catalogue alone (the figures stored at ingest and the documents'
metadata, one read each); nothing is parsed or generated here.
"""

from __future__ import annotations

import re
from typing import Any

from app.errors import EmptyWorkspaceError, InputError
from app.services.ports import HasCatalogue
from ingestion.records import company_keys, squash
from retrieval.key_figures.items import ITEMS
from retrieval.key_figures.table import FiguresTable, Line, Source, Value, build_table
from retrieval.storage.figure_store import FigureStore
from retrieval.types import Evidence

CSV_COLUMNS = (
    "company",
    "item",
    "label",
    "period",
    "period_end",
    "value",
    "unit",
    "scale",
    "amount",
    "document",
    "page",
    "statement",
)
REINDEX_HINT = "`archivist reindex` rebuilds them"
MIN_PREFIX = 3  # letters a shortened company name needs ("Ulta" for ULTABEAUTY)


def companies(ports: HasCatalogue) -> dict[str, int]:
    """Each company with key figures, and how many of its documents have them."""
    return FigureStore(ports.catalogue).companies()


def company_table(
    ports: HasCatalogue, company: str, item: str = "", every_label: bool = False
) -> FiguresTable:
    """The company's table (by any name its filings go by: "3M", "3M Company", or the start
    of one that names a single company: "Ulta" for ULTABEAUTY); one item's line with `item`.
    Raises a one-line error naming what there is instead."""
    if item and item not in ITEMS:
        raise InputError(f"no item '{item}'; the items are: {', '.join(ITEMS)}")
    store = FigureStore(ports.catalogue)
    known = store.companies()
    wanted = company_keys(company)
    matched = [name for name in known if company_keys(name) & wanted]
    if not matched:
        start = squash(company)
        starting = [n for n in known if any(k.startswith(start) for k in company_keys(n))]
        if len(start) < MIN_PREFIX or len(starting) != 1:
            raise _no_figures(ports, company, known)
        matched, company = starting, starting[0]
    figures = store.company(company, item=item)
    documents = [d.meta for d in ports.catalogue.documents()]
    table = build_table(matched[0], figures, documents, every_label=every_label and not item)
    if not table.lines:
        held = sorted({f.item for f in store.company(company) if f.item}, key=list(ITEMS).index)
        raise EmptyWorkspaceError(
            f"{matched[0]} has no '{item}' figures; its items are: {', '.join(held) or 'none'}"
        )
    return table


def _no_figures(ports: HasCatalogue, company: str, known: dict[str, int]) -> Exception:
    wanted = company_keys(company)
    filed = [d for d in ports.catalogue.documents() if company_keys(d.meta.company) & wanted]
    if filed:
        return EmptyWorkspaceError(
            f"{filed[0].meta.company} has {len(filed)} document(s) but no key figures "
            f"(ingested before figures were read, or no statements found); {REINDEX_HINT}"
        )
    if not known:
        return EmptyWorkspaceError(
            "no company has key figures yet: ingest its filings (archivist ingest PATH); "
            f"for filings ingested before figures existed, {REINDEX_HINT}"
        )
    return InputError(f"no key figures for '{company}'; companies with figures: {', '.join(known)}")


# ---- how a value reads ---------------------------------------------------------------------

_SCALE_WORDS = {1.0: "", 1e3: "K", 1e6: "M", 1e9: "B"}
_CURRENCY = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def unit_label(unit: str, scale: float) -> str:
    """ "$M" for millions of dollars, "$/share", "M shares", "%"."""
    size = _SCALE_WORDS.get(scale, f"x{scale:g}")
    money, _, per = unit.partition("/")
    if money in _CURRENCY:
        shown = f"{_CURRENCY[money]}{size}" if size else _CURRENCY[money]
        return f"{shown}/{per}" if per else shown
    if not unit:
        return size or "-"
    return f"{size} {unit}".strip()


def number(amount: float, scale: float) -> str:
    """The amount in `scale`, as filings print it: thousands separated, negatives in
    parentheses, cents only when there are some."""
    value = amount / scale
    text = f"{abs(value):,.0f}" if abs(value - round(value)) < 5e-7 else f"{abs(value):,.2f}"
    return f"({text})" if value < 0 else text


def page_number(source: Source) -> int:
    """The page as every citation shows it: one-based."""
    return source.page + 1


# ---- records ------------------------------------------------------------------------------


def _source_record(source: Source) -> dict[str, Any]:
    return {
        "document": source.document_name,
        "document_id": source.document_id,
        "page": page_number(source),
        "label": source.label,
        "header": source.header,
    }


def _value_record(line: Line, period: str, value: Value, restated: bool) -> dict[str, Any]:
    source = value.source
    return {
        "period": period,
        "period_end": value.period_end,
        "value": value.value,
        "amount": value.amount,
        "unit": value.unit,
        "scale": value.scale,
        "label": source.label,
        "document": source.document_name,
        "document_id": source.document_id,
        "page": page_number(source),
        "statement": source.statement,
        "restated": restated,
        "sources": [_source_record(s) for s in value.sources],
    }


def table_record(table: FiguresTable) -> dict[str, Any]:
    """`--json`: the company, its periods in time order, and per line every value with the
    filing and page it cites (`sources`: every filing that states it, newest first; a
    period with two values is a restatement, `restated` true on both)."""
    ends = {
        period: value.period_end
        for line in table.lines
        for period, values in line.cells.items()
        for value in values
        if value.period_end
    }
    return {
        "company": table.company,
        "periods": [{"period": p, "period_end": ends.get(p, "")} for p in table.periods],
        "documents": [
            {
                "document": m.name,
                "document_id": m.id,
                "form_type": m.form_type,
                "fiscal_period": m.fiscal_period,
            }
            for m in table.documents
        ],
        "items": [
            {
                "item": line.item,
                "title": line.title,
                "statement": line.statement,
                "unit": line.unit,
                "scale": line.scale,
                "values": [
                    _value_record(line, period, value, len(line.cells[period]) > 1)
                    for period in table.periods
                    for value in line.cells.get(period, ())
                ],
            }
            for line in table.lines
        ],
    }


def csv_rows(table: FiguresTable) -> list[dict[str, Any]]:
    """`--csv`: one row per value (a restated period has two), citing its newest filing."""
    rows = []
    for line in table.lines:
        for period in table.periods:
            for value in line.cells.get(period, ()):
                record = _value_record(line, period, value, False)
                record.update(company=table.company, item=line.item)
                rows.append({column: record[column] for column in CSV_COLUMNS})
    return rows


# ---- the page a value cites -----------------------------------------------------------------


def source_evidence(ports: HasCatalogue, source: Source) -> Evidence:
    """The value's page as a source to open, its row (label to the line's end) as the
    passage when the label is found on the page's text."""
    text = ports.catalogue.page_text(source.document_id, source.page) or ""
    words = [re.escape(w) for w in source.label.split()]
    passage = None
    if words:
        match = re.search(r"\s+".join(words), text, re.IGNORECASE)
        if match:
            end = text.find("\n", match.end())
            passage = (source.page, match.start(), len(text) if end < 0 else end)
    return Evidence(
        source.document_id,
        source.document_name,
        source.page,
        source.page,
        source.label,
        passage=passage,
    )
