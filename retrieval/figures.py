"""Check every figure, quotation and calculation a model writes against the text it cites.

One home for answers and summaries alike. What a number means (its unit, its scale, its
sign, whether it is a figure at all) is decided in retrieval/figure_units.py; derived
figures written as `Calculation: a / b = c` are audited in retrieval/calculations.py.
A figure matches a page's figure of the same kind at a scale the figure or the page
states, allowing the rounding the claim shows: "$5.2 billion" matches a page's "5,213"
under "(in millions)", never a bare 5, and "12%" never matches "Note 12". A quoted span
(at least three words in quotation marks) must appear in the cited text, case and spacing
aside.

Answers cite sources as `[S3]`; a figure is looked up in the sources its claim cites (the
text up to and including the citations that follow it; an answer's last, uncited stretch
uses every source the answer cites), then in the other sources the model was given.
Summaries cite pages as `(p. 12)`; a bullet's figures are looked up on those pages.
The answer's verdict: `verified` when at least one figure or calculation was checked and
every one (and every quote) holds, `nothing to check` when it states none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from retrieval.calculations import (
    CalcStatus,
    CheckedCalculation,
    calculation_spans,
    check_calculations,
)
from retrieval.citations import CITATION, PAGE_CITATION, cited_pages
from retrieval.figure_units import Figure, figures_in, matches, read_page
from retrieval.types import Evidence

__all__ = ["Figure", "figure_on_page", "figures_in"]

QUOTE = re.compile(r"[\"“]([^\"“”\n]{3,400})[\"”]")
LIST_MARK = re.compile(r"^\s*\d+[.)]\s+", re.MULTILINE)  # "1. " numbering a list
MIN_QUOTE_WORDS = 3


def claim_figures(text: str) -> list[Figure]:
    """The figures a claim states: citation markers, page references, list numbers and the
    figures of its calculation lines (audited as calculations) left out."""
    cleaned = PAGE_CITATION.sub(_blank, LIST_MARK.sub(_blank, CITATION.sub(_blank, text)))
    spans = calculation_spans(cleaned)
    return [f for f in figures_in(cleaned) if not any(a <= f.start < b for a, b in spans)]


def _blank(match: re.Match[str]) -> str:
    """Same length, so offsets into the cleaned text are offsets into the original."""
    return " " * len(match.group(0))


def figure_on_page(figure: Figure, page_text: str) -> bool:
    """The figure is on the page, by the unit rules of retrieval/figure_units.py."""
    return read_page(page_text).holds(figure)


def quotes_in(text: str) -> list[tuple[str, int, int]]:
    """Quoted spans of at least three words: (the quoted text, start, end in `text`)."""
    return [
        (m.group(1), m.start(), m.end())
        for m in QUOTE.finditer(text)
        if len(m.group(1).split()) >= MIN_QUOTE_WORDS
    ]


def _squeeze(text: str) -> str:
    return " ".join(re.sub(r"[‘’]", "'", text).lower().split())


def quote_in(quote: str, texts: list[str]) -> bool:
    wanted = _squeeze(quote).strip(" .,;:")
    return any(wanted in _squeeze(t) for t in texts)


class Status(StrEnum):
    CITED = "cited"  # found in the text the claim cites
    COMPUTED = "computed"  # the result of a calculation the answer shows and that holds
    OTHER_SOURCE = "other_source"  # found only in another source the model was given
    NOT_FOUND = "not_found"

    def describe(self) -> str:
        return {
            Status.CITED: "found on the cited page",
            Status.COMPUTED: "the result of a calculation that holds",
            Status.OTHER_SOURCE: "found on another page of the sources, not the one cited",
            Status.NOT_FOUND: "not found in the sources",
        }[self]


@dataclass(frozen=True)
class CheckedFigure:
    """One figure or quotation of a claim, where it was found, and its place in the text."""

    text: str
    kind: str  # "figure" or "quote"
    status: Status
    start: int
    end: int
    found_in: tuple[str, ...] = ()  # labels of the sources holding it
    figure: Figure | None = field(default=None, compare=False, repr=False)

    @property
    def verified(self) -> bool:
        return self.status in (Status.CITED, Status.COMPUTED)

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "kind": self.kind,
            "status": self.status.value,
            "verified": self.verified,
            "found_in": list(self.found_in),
        }


class Verdict(StrEnum):
    VERIFIED = "verified"  # at least one figure checked, and everything checked holds
    PARTLY = "partly"  # some figures hold, some do not
    UNVERIFIED = "unverified"  # none of its figures holds
    NOTHING = "nothing to check"  # no figure and no calculation to check


@dataclass(frozen=True)
class Audit:
    """Everything checkable in one answer or bullet, checked once."""

    figures: list[CheckedFigure] = field(default_factory=list)
    calculations: list[CheckedCalculation] = field(default_factory=list)

    @property
    def unverified(self) -> list[CheckedFigure]:
        return [c for c in self.figures if not c.verified]

    @property
    def verdict(self) -> Verdict:
        numbers = [c.verified for c in self.figures if c.kind == "figure"]
        numbers += [c.verified for c in self.calculations]
        quotes_hold = all(c.verified for c in self.figures if c.kind == "quote")
        if not numbers:
            return Verdict.NOTHING if quotes_hold else Verdict.UNVERIFIED
        if all(numbers) and quotes_hold:
            return Verdict.VERIFIED
        return Verdict.PARTLY if any(numbers) else Verdict.UNVERIFIED


def check_claim(
    claim: str, cited: dict[str, str], others: dict[str, str], offset: int = 0
) -> list[CheckedFigure]:
    """Every figure and quote of `claim`, looked up in `cited` then `others` (label: text)."""
    cited_pages_ = {label: read_page(text) for label, text in cited.items()}
    other_pages = {label: read_page(text) for label, text in others.items()}
    out: list[CheckedFigure] = []
    for figure in claim_figures(claim):
        status, where = _status(
            [label for label, page in cited_pages_.items() if page.holds(figure)],
            [label for label, page in other_pages.items() if page.holds(figure)],
        )
        start, end = offset + figure.start, offset + figure.end
        out.append(CheckedFigure(figure.text, "figure", status, start, end, where, figure))
    for quote, start, end in quotes_in(claim):
        status, where = _status(
            [label for label, text in cited.items() if quote_in(quote, [text])],
            [label for label, text in others.items() if quote_in(quote, [text])],
        )
        out.append(CheckedFigure(quote, "quote", status, offset + start, offset + end, where))
    return sorted(out, key=lambda c: c.start)


def _status(in_cited: list[str], in_others: list[str]) -> tuple[Status, tuple[str, ...]]:
    if in_cited:
        return Status.CITED, tuple(in_cited)
    return (Status.OTHER_SOURCE, tuple(in_others)) if in_others else (Status.NOT_FOUND, ())


def audit_claims(claims: list[tuple[int, int, dict[str, str], dict[str, str]]], text: str) -> Audit:
    """Check each claim (start, end, cited, others) of `text`; a figure that repeats the
    result of a calculation that holds is backed by it."""
    figures: list[CheckedFigure] = []
    calculations: list[CheckedCalculation] = []
    for start, end, cited, others in claims:
        figures += check_claim(text[start:end], cited, others, offset=start)
        calculations += check_calculations(text[start:end], cited, offset=start)
    results = [c.result for c in calculations if c.status == CalcStatus.COMPUTED and c.result]
    backed = [
        CheckedFigure(c.text, c.kind, Status.COMPUTED, c.start, c.end, c.found_in, c.figure)
        if not c.verified and c.figure and any(matches(c.figure, r) for r in results)
        else c
        for c in figures
    ]
    return Audit(backed, calculations)


def audit_answer(answer: str, sources: list[Evidence]) -> Audit:
    """Every figure, quotation and calculation of an answer citing `[S3]`, claim by claim."""
    by_number = {s.number: s for s in sources}
    everything = {s.label: s.text for s in sources}
    cited_anywhere = {
        by_number[int(m.group(1))].label: by_number[int(m.group(1))].text
        for m in CITATION.finditer(answer)
        if int(m.group(1)) in by_number
    }
    claims = []
    for start, end, numbers in _claims(answer):
        cited = (
            {by_number[n].label: by_number[n].text for n in numbers if n in by_number}
            if numbers
            else cited_anywhere
        )
        others = {label: text for label, text in everything.items() if label not in cited}
        claims.append((start, end, cited, others))
    return audit_claims(claims, answer)


def check_answer(answer: str, sources: list[Evidence]) -> list[CheckedFigure]:
    """Every figure and quotation of an answer citing `[S3]`, checked claim by claim."""
    return audit_answer(answer, sources).figures


def _claims(answer: str) -> list[tuple[int, int, list[int]]]:
    """Stretches of the answer, each ending with the run of citations that closes it."""
    claims: list[tuple[int, int, list[int]]] = []
    start = 0
    position = 0
    numbers: list[int] = []
    for match in CITATION.finditer(answer):
        between = answer[position : match.start()]
        if numbers and between.strip(" ,;"):  # text after a run of citations: a new claim
            claims.append((start, position, numbers))
            start, numbers = position, []
        numbers.append(int(match.group(1)))
        position = match.end()
    if numbers:
        claims.append((start, position, numbers))
        start = position
    if answer[start:].strip():
        claims.append((start, len(answer), []))
    return claims


def audit_bullet(bullet: str, pages: dict[int, str]) -> Audit:
    """A summary bullet checked against the pages it cites (one-based)."""
    cited = {f"p. {p}": pages[p] for p in cited_pages(bullet) if p in pages}
    return audit_claims([(0, len(bullet), cited, {})], bullet)


def unmatched_figures(bullet: str, pages: dict[int, str]) -> list[str]:
    """Figures, quotes and calculations of a summary bullet its cited pages do not back."""
    audit = audit_bullet(bullet, pages)
    failed = [c.text for c in audit.figures if not c.verified]
    for calc in audit.calculations:
        if calc.status == CalcStatus.MISCALCULATED:
            failed.append(f"{calc.text} (miscalculated: {calc.right})")
        elif not calc.verified:
            failed.append(f"{calc.text} ({calc.status.value})")
    return failed
