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
Comparison uses the figure check's unit rules (retrieval/figure_units.py): "$1,577 million",
"$1.58 billion" and a bare "1,577" all state a 1,577 of a millions table; an outflow
printed "(1,577)" is stated by its size ("spent $1,577 million").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ingestion.records import DocumentMeta
from retrieval.calculations import calculation_spans
from retrieval.figure_units import AMOUNT, PERCENT, Figure, figures_in, matches
from retrieval.figures import claim_figures
from retrieval.key_figures.items import ITEMS
from retrieval.key_figures.metrics import (
    METRIC_PARTS,
    OUTFLOWS,
    PERCENT_UNIT,
    Computed,
    compute,
    compute_cagr,
    compute_growth,
    metric_items,
    printed,
)
from retrieval.key_figures.question import ITEM_WORDS, METRICS, Asked, read_question
from retrieval.key_figures.records import KeyFigure
from retrieval.scope import document_company_keys

AGREES, DIFFERS, NOT_STATED = "agrees", "differs", "not_stated"
SCALE_WORDS = {1.0: "", 1e3: "thousands", 1e6: "millions", 1e9: "billions"}

Read = Callable[[list[str], set[str]], list[KeyFigure]]  # FigureStore.of_documents


@dataclass(frozen=True)
class Opinion:
    """The table's value for one thing the question asks, and the answer's verdict."""

    item: str  # "capex", "gross_margin", "growth", "cagr"
    title: str
    company: str
    period: str  # "FY2018"; a growth or CAGR: "FY2016-FY2018"
    value: float  # as printed in the table (its scale), or the computed result
    scale: float  # the table's scale (1 for a percent or a ratio)
    unit: str  # "USD", "USD/share", "%", "ratio"
    label: str  # the row label as printed ("" for a computed metric)
    document_id: str
    document: str
    page: int  # zero-based, as the catalogue stores pages
    verdict: str = NOT_STATED  # agrees, differs, not_stated
    stated: str = ""  # the answer's figure: the one that agrees, or the one that differs
    calculation: str = ""  # "Calculation: ..." for a computed metric
    operands: tuple[KeyFigure, ...] = field(default=(), compare=False)
    change: float | None = field(default=None, compare=False)  # growth: the change, as printed

    @property
    def amount(self) -> float:
        return self.value * self.scale

    @property
    def shown_value(self) -> str:
        """The value as an analyst reads it: "(1,577) USD millions", "40.0%", "1.53"."""
        if self.unit == PERCENT_UNIT:
            return f"{self.value:,.1f}%"
        if self.unit == "ratio":
            return f"{self.value:,.2f}"
        number = printed(abs(self.value))
        number = f"({number})" if self.value < 0 and not self.calculation else number
        scale = SCALE_WORDS.get(self.scale, f"x{self.scale:g}")
        return " ".join(p for p in (number, self.unit, scale) if p)

    def describe(self) -> str:
        """One plain line: what the table says, where, and what the answer says."""
        where = f"{self.document} p.{self.page + 1}"
        said = {
            AGREES: f"the answer agrees ({self.stated})",
            DIFFERS: f"MISMATCH: the answer says {self.stated}",
            NOT_STATED: "the answer states no figure for it",
        }[self.verdict]
        label = f' "{self.label}"' if self.label else ""
        line = f"{self.title}, {self.company} {self.period}: table {self.shown_value}{label}"
        line += f" [{where}]; {said}"
        return line + (f"; {self.calculation}" if self.calculation else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "item": self.item,
            "title": self.title,
            "company": self.company,
            "period": self.period,
            "table_value": self.shown_value,
            "value": self.value,
            "amount": self.amount,
            "unit": self.unit,
            "scale": self.scale,
            "label": self.label,
            "document": self.document,
            "document_id": self.document_id,
            "page": self.page + 1,
            "page_index": self.page,
            "answer_figure": self.stated or None,
            "verdict": self.verdict,
            "calculation": self.calculation or None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Opinion:
        """An opinion as `as_dict` wrote it (an answer reopened from the history)."""
        return cls(
            str(data["item"]), str(data["title"]), str(data["company"]), str(data["period"]),
            float(data["value"]), float(data["scale"]), str(data["unit"]), str(data["label"]),
            str(data["document_id"]), str(data["document"]), int(data["page_index"]),
            str(data["verdict"]), str(data.get("answer_figure") or ""),
            str(data.get("calculation") or ""),
        )  # fmt: skip


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
    return compare(opinions, answer)


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


def shift(period: str, years: int) -> str:
    """The same period `years` earlier: FY2018 -> FY2017, 2023Q2 -> 2022Q2."""
    if period.startswith("FY"):
        return f"FY{int(period[2:]) - years}"
    match = re.fullmatch(r"(\d{4})(.*)", period)
    return f"{int(match.group(1)) - years}{match.group(2)}" if match else period


def _year(period: str) -> int | None:
    match = re.search(r"\d{4}", period)
    return int(match.group(0)) if match else None


def _opinions(
    wanted: Asked, periods: list[str], company: str, lookup: Lookup, names: dict[str, str]
) -> list[Opinion]:
    if wanted.name in ("growth", "cagr"):
        return _change(wanted, periods, company, lookup, names)
    out = []
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
    first = computed.operands[-1]  # the latest period's page
    scale = first.scale if computed.unit not in (PERCENT_UNIT, "ratio") else 1.0
    return Opinion(
        name, computed.title, company, period, computed.value, scale, computed.unit, "",
        first.document_id, names.get(first.document_id, first.document_id), first.page,
        calculation=computed.calculation, operands=computed.operands,
        change=computed.alternative,
    )  # fmt: skip


# --- comparison -------------------------------------------------------------------------


def answer_figures(answer: str) -> list[Figure]:
    """What the answer states: its claims' figures and the results of its calculations."""
    found = claim_figures(answer)
    for start, end in calculation_spans(answer):
        body = answer[start:end]
        if "=" in body:
            cut = body.rindex("=") + 1
            found += [replace(f, start=f.start + start + cut, end=f.end + start + cut)
                      for f in figures_in(body[cut:], skip_years=False)]  # fmt: skip
    return sorted(found, key=lambda f: f.start)


def _expected(opinion: Opinion) -> list[tuple[Figure, tuple[float, ...]]]:
    """The table's figure(s) a claim may state, with the scales they may be written in."""
    if opinion.unit == PERCENT_UNIT:
        out: list[tuple[Figure, tuple[float, ...]]] = [
            (Figure("", opinion.value, 0.0, True, kind=PERCENT), (1.0,))
        ]
        if opinion.change is not None:  # growth: the change as an amount agrees too
            scale = opinion.operands[0].scale
            out.append((Figure("", opinion.change, 0.0, False), (1.0, scale)))
        return out
    fixed = opinion.unit == "ratio" or "/" in opinion.unit
    value = abs(opinion.value) if opinion.item in OUTFLOWS else opinion.value
    return [(Figure("", value, 0.0, False, fixed=fixed), (1.0, opinion.scale))]


def _states(claim: Figure, opinion: Opinion) -> bool:
    if opinion.item in OUTFLOWS:
        claim = replace(claim, sign="", value=abs(claim.value))
    return any(matches(claim, figure, scales) for figure, scales in _expected(opinion))


def _kind(opinion: Opinion) -> str:
    return PERCENT if opinion.unit == PERCENT_UNIT else AMOUNT


def _mention(answer: str, item: str) -> int:
    patterns = dict(ITEM_WORDS) | dict(METRICS)
    pattern = patterns.get(item)
    match = re.search(pattern, answer, re.IGNORECASE) if pattern else None
    return match.start() if match else -1


def compare(opinions: Iterable[Opinion], answer: str) -> list[Opinion]:
    """Each opinion with its verdict: `agrees` when a figure of the answer states the
    table's value, `differs` when the answer states a figure of the same kind that no
    asked value accounts for (the one nearest after the item's name), else `not_stated`."""
    opinions = list(opinions)
    claims = answer_figures(answer)
    backing = [[c for c in claims if _states(c, o)] for o in opinions]
    accounted = {id(c) for found in backing for c in found}
    used: set[int] = set()
    out = []
    for opinion, found in zip(opinions, backing, strict=True):
        if found:
            out.append(replace(opinion, verdict=AGREES, stated=found[0].text))
            continue
        taken = accounted | used
        free = [c for c in claims if c.kind == _kind(opinion) and id(c) not in taken]
        mention = _mention(answer, opinion.item)
        after = [c for c in free if c.start >= mention] if mention >= 0 else []
        chosen = (after or free)[0] if free else None
        if chosen is None:
            out.append(replace(opinion, verdict=NOT_STATED, stated=""))
            continue
        used.add(id(chosen))
        out.append(replace(opinion, verdict=DIFFERS, stated=chosen.text))
    return out
