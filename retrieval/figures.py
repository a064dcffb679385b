"""Check every figure and quotation a model writes against the text it cites.

One home for answers and summaries alike. Figures are compared as values, after
normalising $, commas, %, parentheses for negatives and million/billion/thousand, and
allowing the rounding the claim itself shows: "$5.2 billion" matches a page's "5,213
million", "412 million" matches a table's "412". A quoted span (at least three words in
quotation marks) must appear in the cited text, case and spacing aside.

Answers cite sources as `[S3]`; a figure is looked up in the sources its claim cites (the
text up to and including the citations that follow it; an answer's last, uncited stretch
uses every source the answer cites), then in the other sources the model was given.
Summaries cite pages as `(p. 12)`; a bullet's figures are looked up on those pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from retrieval.citations import CITATION, PAGE_CITATION, cited_pages
from retrieval.types import Evidence

NUMBER = re.compile(
    r"(?<![A-Za-z0-9.])"  # not inside a word: Q4, FY22, S3 and 10-K are not figures
    r"(?P<neg>\()?\$?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<close>\))?"
    r"(?![.,]?\d)(?!-[A-Za-z])"
    r"\s?(?P<unit>%|percent\b|thousand\b|million\b|billion\b|trillion\b|[kmb]n?\b)?",
    re.IGNORECASE,
)
SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
SHORT_SCALES = {"k", "m", "b"}  # "3M" is a company; "5.2bn" and "$3M" are figures
QUOTE = re.compile(r"[\"“]([^\"“”\n]{3,400})[\"”]")
LIST_MARK = re.compile(r"^\s*\d+[.)]\s+", re.MULTILINE)  # "1. " numbering a list
MIN_QUOTE_WORDS = 3


@dataclass(frozen=True)
class Figure:
    text: str
    value: float  # scaled, signed
    step: float  # half of this is the rounding the figure allows
    percent: bool
    start: int = 0  # offsets in the text it was found in
    end: int = 0


def figures_in(text: str, skip_years: bool = True) -> list[Figure]:
    found = []
    cleaned = PAGE_CITATION.sub(_blank, LIST_MARK.sub(_blank, CITATION.sub(_blank, text)))
    for match in NUMBER.finditer(cleaned):
        raw = match.group("num").replace(",", "")
        unit = (match.group("unit") or "").lower()
        if skip_years and not unit and "." not in raw and 1900 <= int(float(raw)) <= 2100:
            continue
        if unit in SHORT_SCALES and "$" not in match.group(0):
            continue  # "3M" is a company, "$3M" a figure
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        scale = SCALES.get(unit, 1.0)
        sign = -1.0 if match.group("neg") and match.group("close") else 1.0
        written = match.group(0).rstrip()
        start = match.start() + len(written) - len(written.lstrip())
        found.append(
            Figure(
                text=written.strip(),
                value=sign * float(raw) * scale,
                step=(10.0**-decimals) * scale,
                percent=unit in ("%", "percent"),
                start=start,
                end=match.start() + len(written),
            )
        )
    return found


def _blank(match: re.Match[str]) -> str:
    """Same length, so offsets into the cleaned text are offsets into the original."""
    return " " * len(match.group(0))


def figure_on_page(figure: Figure, page_figures: list[Figure]) -> bool:
    tolerance = figure.step / 2 + 1e-9 * max(1.0, abs(figure.value))
    for candidate in page_figures:
        # Tables state "in millions" once, so a bare page number may carry any scale.
        for scale in (1.0, 1e3, 1e6, 1e9):
            if abs(candidate.value * scale - figure.value) <= tolerance:
                return True
            if abs(abs(candidate.value * scale) - abs(figure.value)) <= tolerance:
                return True
    return False


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
    OTHER_SOURCE = "other_source"  # found only in another source the model was given
    NOT_FOUND = "not_found"

    def describe(self) -> str:
        return {
            Status.CITED: "found on the cited page",
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

    @property
    def verified(self) -> bool:
        return self.status == Status.CITED

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "kind": self.kind,
            "status": self.status.value,
            "verified": self.verified,
            "found_in": list(self.found_in),
        }


def check_claim(
    claim: str, cited: dict[str, str], others: dict[str, str], offset: int = 0
) -> list[CheckedFigure]:
    """Every figure and quote of `claim`, looked up in `cited` then `others` (label: text)."""
    cited_figures = {label: figures_in(text, skip_years=False) for label, text in cited.items()}
    other_figures = {label: figures_in(text, skip_years=False) for label, text in others.items()}
    out: list[CheckedFigure] = []
    for figure in figures_in(claim):
        status, where = _status(
            [label for label, figs in cited_figures.items() if figure_on_page(figure, figs)],
            [label for label, figs in other_figures.items() if figure_on_page(figure, figs)],
        )
        start, end = offset + figure.start, offset + figure.end
        out.append(CheckedFigure(figure.text, "figure", status, start, end, where))
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


def check_answer(answer: str, sources: list[Evidence]) -> list[CheckedFigure]:
    """Every figure and quotation of an answer citing `[S3]`, checked claim by claim."""
    by_number = {s.number: s for s in sources}
    everything = {s.label: s.text for s in sources}
    cited_anywhere = {
        by_number[int(m.group(1))].label: by_number[int(m.group(1))].text
        for m in CITATION.finditer(answer)
        if int(m.group(1)) in by_number
    }
    out: list[CheckedFigure] = []
    for start, end, numbers in _claims(answer):
        cited = (
            {by_number[n].label: by_number[n].text for n in numbers if n in by_number}
            if numbers
            else cited_anywhere
        )
        others = {label: text for label, text in everything.items() if label not in cited}
        out += check_claim(answer[start:end], cited, others, offset=start)
    return out


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


def unmatched_figures(bullet: str, pages: dict[int, str]) -> list[str]:
    """Figures and quotes of a summary bullet not found on the pages it cites (one-based)."""
    cited = {f"p. {p}": pages[p] for p in cited_pages(bullet) if p in pages}
    return [c.text for c in check_claim(bullet, cited, {}) if not c.verified]
