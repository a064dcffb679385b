"""Question understanding for a library: which documents a question is about.

A question about "3M's FY2018 capex" should search 3M's FY2018 10-K first, not every
filing. Documents are `ingestion.records.DocumentMeta` as the catalogue stores them (ingest
filled the gaps from a FinanceBench-style name such as `3M_2018_10K`), normalised by the
same functions ingestion uses, so "10-K" in a question matches "10-K" in a row.
Scoping narrows step by step (company, then period, then form) and never narrows to
nothing: when a step matches no document it is skipped and the reason is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingestion.records import (
    WORD,
    DocumentMeta,
    company_keys,
    normalise_form,
    parse_file_name,
    squash,
)

if TYPE_CHECKING:
    from retrieval.catalogue import DocumentInfo

QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3}


def document_meta(document: DocumentInfo) -> DocumentMeta:
    """A library document's metadata, as ingest decided it and the catalogue stores it
    (file-name fallbacks and the form's one spelling included: nothing is parsed here)."""
    return document.meta


def document_company_keys(document: DocumentMeta) -> set[str]:
    """The filer's catalogue name and the name in its file name (the fallback when the
    cover page gave none, or a wrong one), each with and without its legal words."""
    parsed = parse_file_name(document.name) or DocumentMeta()
    return company_keys(document.company, parsed.company)


@dataclass(frozen=True)
class QuestionFacets:
    """What the question names: companies (squashed keys), fiscal years, quarters, forms."""

    companies: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    quarters: frozenset[int] = frozenset()
    forms: frozenset[str] = frozenset()


def _year(token: str) -> int | None:
    digits = token.upper().removeprefix("FY").removeprefix("CY")
    if re.fullmatch(r"(19|20)\d{2}", digits):
        return int(digits)
    if token.upper().startswith("FY") and re.fullmatch(r"\d{2}", digits):
        return 2000 + int(digits)
    return None


def question_facets(question: str, companies: Iterable[str]) -> QuestionFacets:
    """Recognise the library's company names, fiscal years/quarters and form types."""
    words = WORD.findall(question)
    upper = [w.upper() for w in words]
    found: set[str] = set()
    keys = {squash(c) for c in companies if squash(c)}
    for start in range(len(upper)):
        run = ""
        for word in upper[start : start + 5]:
            run += word
            if run in keys:
                found.add(run)
    for word in words:  # a ticker-like abbreviation: "JPM" for JPMORGAN, "MGM" for MGMRESORTS
        if len(word) >= 3 and word.isupper() and word.isalpha() and word not in keys:
            starting = sorted((k for k in keys if k.startswith(word) and k != word), key=len)
            if starting and all(k.startswith(starting[0]) for k in starting):  # one filer
                found.add(starting[0])
    years = {y for w in words if (y := _year(w)) is not None}
    quarters = {int(w[1]) for w in upper if re.fullmatch(r"Q[1-4]", w)}
    for i, word in enumerate(upper[:-1]):
        if word.lower() in QUARTER_WORDS and upper[i + 1] == "QUARTER":
            quarters.add(QUARTER_WORDS[word.lower()])
    forms: set[str] = set()
    text = question.upper()
    for pattern, form in (
        (r"\b10-?K\b|ANNUAL REPORT", "10-K"),
        (r"\b10-?Q\b|QUARTERLY REPORT", "10-Q"),
        (r"\b8-?K\b", "8-K"),
        (r"EARNINGS (RELEASE|REPORT|CALL)", "earnings"),
    ):
        if re.search(pattern, text):
            forms.add(normalise_form(form))
    return QuestionFacets(frozenset(found), frozenset(years), frozenset(quarters), frozenset(forms))


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


def resolve_scope(question: str, documents: list[DocumentMeta]) -> Scope:
    """Narrow the library to the documents the question names; skip steps that match none."""
    all_ids = [d.id for d in documents]
    keys = {d.id: document_company_keys(d) for d in documents}
    facets = question_facets(question, set().union(*keys.values()))
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
