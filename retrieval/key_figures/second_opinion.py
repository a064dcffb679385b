"""A second opinion on a figure answer: the key figures table's value beside the model's.

A small local model misreads statements; the table was read from them at ingest. When a
question asks for a line item the table holds (company, item, period), or a metric the
table's items give (gross margin, current ratio, revenue growth...), the answer carries
the table's value with its page, and whether the answer's own figure agrees with it,
differs from it, or is not stated. Computed after the answer, once: one read of the store.

Which company: the documents the ask path scoped the question to (their companies; the
other filings of those companies serve a period the scoped ones do not print). Which
period: the ones the question names, else each scoped document's own. A value two
filings print (a restatement) is taken from the scoped filing, else from the latest.
The record is `opinion.py`'s; the comparison with the answer `comparison.py`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingestion.records import DocumentMeta
from retrieval.key_figures.comparison import compare
from retrieval.key_figures.items import ITEMS
from retrieval.key_figures.metrics import (
    AVERAGED,
    METRIC_PARTS,
    PERCENT_UNIT,
    Computed,
    compute,
    compute_cagr,
    compute_growth,
    metric_items,
    shift,
)
from retrieval.key_figures.opinion import Opinion
from retrieval.key_figures.question import Asked, read_question
from retrieval.key_figures.records import KeyFigure
from retrieval.scope import document_company_keys

__all__ = ["Opinion", "compare", "second_opinion"]

Read = Callable[[list[str], set[str]], list[KeyFigure]]  # FigureStore.of_documents


def second_opinion(
    question: str,
    answer: str,
    scoped: list[DocumentMeta],
    library: list[DocumentMeta],
    read: Read,
) -> list[Opinion]:
    """The table's values for what `question` asks, each compared with `answer`; [] when
    it asks for nothing the table holds (and then the store is not read)."""
    asked = read_question(question)
    if not asked or not scoped:
        return []
    companies = _companies(scoped, library)
    scoped_ids = {d.id for d in scoped}
    items = {i for a in asked.asked for i in metric_items(a.name, a.base)}
    ids = [d.id for documents in companies.values() for d in documents]
    figures = read(ids, items)
    if not figures:
        return []
    opinions: list[Opinion] = []
    for company, documents in companies.items():
        lookup = _lookup([f for f in figures if f.document_id in {d.id for d in documents}],
                         [d.id for d in documents])  # fmt: skip
        names = {d.id: d.name for d in documents}
        own = [d.fiscal_period for d in documents if d.id in scoped_ids and d.fiscal_period]
        periods = list(asked.periods) or list(dict.fromkeys(own))
        for wanted in asked.asked:
            opinions += _opinions(wanted, periods, company, lookup, names)
    return compare(opinions, answer, asked.scale)


def _companies(
    scoped: list[DocumentMeta], library: list[DocumentMeta]
) -> dict[str, list[DocumentMeta]]:
    """Each scoped company's documents: the scoped ones first, then its other filings,
    latest first."""
    out: dict[str, list[DocumentMeta]] = {}
    scoped_ids = {d.id for d in scoped}
    keys = {d.id: document_company_keys(d) for d in library}
    for document in scoped:
        mine = keys.get(document.id) or document_company_keys(document)
        name = next((n for n, docs in out.items() if keys.get(docs[0].id, set()) & mine), "")
        if not name:
            name = document.company or document.name
            others = [d for d in library if keys[d.id] & mine and d.id not in scoped_ids]
            others.sort(key=lambda d: d.fiscal_year or 0, reverse=True)
            out[name] = [document, *others]
        else:
            out[name].insert(sum(1 for d in out[name] if d.id in scoped_ids), document)
    return out


Lookup = Callable[[str, str], KeyFigure | None]


def _lookup(figures: list[KeyFigure], order: list[str]) -> Lookup:
    """(item, period) -> the figure of the first document in `order` printing it, from
    the item's own statement first."""
    rank = {doc: i for i, doc in enumerate(order)}
    best: dict[tuple[str, str], KeyFigure] = {}

    def key(f: KeyFigure) -> tuple[int, bool, int, int, int]:
        home = ITEMS[f.item].statement.value if f.item in ITEMS else f.statement
        return (rank.get(f.document_id, len(rank)), f.statement != home, f.page, f.row, f.column)

    for figure in figures:
        slot = (figure.item, figure.period)
        if slot not in best or key(figure) < key(best[slot]):
            best[slot] = figure
    return lambda item, period: best.get((item, period))


def _year(period: str) -> int | None:
    match = re.search(r"\d{4}", period)
    return int(match.group(0)) if match else None


def _opinions(
    wanted: Asked, periods: list[str], company: str, lookup: Lookup, names: dict[str, str]
) -> list[Opinion]:
    if wanted.name in ("growth", "cagr"):
        return _change(wanted, periods, company, lookup, names)
    out = []
    if wanted.name in AVERAGED:  # "between FY2016 and FY2017": FY2016 opens the average
        periods = [p for p in periods if shift(p, -1) not in periods] or periods
    for period in periods:
        if wanted.name in METRIC_PARTS:
            computed = compute(wanted.name, period, lookup)
            if computed is not None:
                out.append(_computed(wanted.name, period, computed, company, names))
            continue
        figure = lookup(wanted.name, period)
        if figure is not None:
            title = ITEMS[figure.item].title if figure.item in ITEMS else figure.item
            out.append(
                Opinion(
                    figure.item, title, company, period, figure.value, figure.scale,
                    figure.unit, figure.label, figure.document_id,
                    names.get(figure.document_id, figure.document_id), figure.page,
                    operands=(figure,),
                )
            )  # fmt: skip
    return out


def _change(
    wanted: Asked, periods: list[str], company: str, lookup: Lookup, names: dict[str, str]
) -> list[Opinion]:
    dated = sorted((p for p in periods if _year(p) is not None), key=lambda p: _year(p) or 0)
    if not dated:
        return []
    end = dated[-1]
    if len(dated) >= 2:
        start = dated[0]
    else:
        start = shift(end, wanted.years if wanted.name == "cagr" and wanted.years else 1)
    span = (_year(end) or 0) - (_year(start) or 0)
    if wanted.name == "cagr":
        if wanted.years == 0 and len(dated) < 2:
            return []
        computed = compute_cagr(wanted.base, start, end, span, lookup)
    else:
        computed = compute_growth(wanted.base, start, end, lookup)
    if computed is None:
        return []
    return [_computed(wanted.name, f"{start}-{end}", computed, company, names)]


def _computed(
    name: str, period: str, computed: Computed, company: str, names: dict[str, str]
) -> Opinion:
    first = max(computed.operands, key=lambda f: _year(f.period) or 0)  # the latest's page
    scale = first.scale if computed.unit not in (PERCENT_UNIT, "ratio") else 1.0
    return Opinion(
        name, computed.title, company, period, computed.value, scale, computed.unit, "",
        first.document_id, names.get(first.document_id, first.document_id), first.page,
        calculation=computed.calculation, operands=computed.operands,
        documents=tuple(names.get(f.document_id, f.document_id) for f in computed.operands),
        change=computed.alternative,
    )  # fmt: skip
