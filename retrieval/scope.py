"""Which documents of a library a question is about.

A question about "3M's FY2018 capex" should search 3M's FY2018 10-K first, not every
filing. Documents are `ingestion.records.DocumentMeta` as the catalogue stores them (ingest
filled the gaps from a FinanceBench-style name such as `3M_2018_10K`), normalised by the
same functions ingestion uses, so "10-K" in a question matches "10-K" in a row.
Scoping narrows step by step (company, then period, then form) and never narrows to
nothing: when a step matches no document it is skipped and the reason is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingestion.records import DocumentMeta, company_keys, parse_file_name
from retrieval.question import QuestionFacets

if TYPE_CHECKING:
    from retrieval.catalogue import DocumentInfo


def document_meta(document: DocumentInfo) -> DocumentMeta:
    """A library document's metadata, as ingest decided it and the catalogue stores it
    (file-name fallbacks and the form's one spelling included: nothing is parsed here)."""
    return document.meta


def document_company_keys(document: DocumentMeta) -> set[str]:
    """The filer's catalogue name and the name in its file name (the fallback when the
    cover page gave none, or a wrong one), each with and without its legal words."""
    parsed = parse_file_name(document.name) or DocumentMeta()
    return company_keys(document.company, parsed.company)


@dataclass
class Scope:
    """The documents to search, and why; `narrowed` is False when nothing named matched."""

    document_ids: list[str]
    narrowed: bool
    steps: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return "; ".join(self.steps) if self.steps else "whole library"


def _in_period(documents: list[DocumentMeta], facets: QuestionFacets) -> list[DocumentMeta]:
    """Documents of a named year; of a named quarter first, when the question names one."""
    in_year = [d for d in documents if d.fiscal_year in facets.years]
    if facets.quarters:
        in_quarter = [d for d in in_year if d.quarter in facets.quarters]
        return in_quarter or in_year
    return in_year


def library_companies(documents: Iterable[DocumentMeta]) -> set[str]:
    """Every company key of the library's documents: the names a question may use."""
    return set().union(*(document_company_keys(d) for d in documents))


def resolve_scope(facets: QuestionFacets, documents: list[DocumentMeta]) -> Scope:
    """Narrow the library to the documents the question names (`facets`, read from it by
    `retrieval.question`); skip steps that match none."""
    all_ids = [d.id for d in documents]
    keys = {d.id: document_company_keys(d) for d in documents}
    chosen = documents
    steps: list[str] = []
    if facets.companies:
        by_company = [d for d in chosen if keys[d.id] & facets.companies]
        if by_company:
            chosen = by_company
            steps.append(
                f"company {', '.join(sorted(facets.companies))}: {len(chosen)} document(s)"
            )
    if not steps:
        return Scope(all_ids, narrowed=False, steps=["no company named: whole library"])
    if facets.years:
        in_period = _in_period(chosen, facets)
        if in_period:
            chosen = in_period
            steps.append(f"period {sorted(facets.years)}: {len(chosen)} document(s)")
        else:
            steps.append(f"period {sorted(facets.years)}: no match, kept the company's documents")
    if facets.forms:
        by_form = [d for d in chosen if d.form_type in facets.forms]
        if by_form:
            chosen = by_form
            steps.append(f"form {', '.join(sorted(facets.forms))}: {len(chosen)} document(s)")
    return Scope([d.id for d in chosen], narrowed=True, steps=steps)
