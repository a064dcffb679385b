"""Citations, in one place: the `[S3]` markers an answer cites its numbered evidence by,
the `(p. 12)` markers a summary cites its pages by, and what each maps back to.

Parse (`markers`, `cited_pages`), map to pages (`CitationCheck.cited`), render for a reader
(`render_citations`, `[DOC p.N]`; `CitationRewriter` while text streams) and check
(`check_citations`: grounded, or citing markers that name no evidence). An answer that
cites no valid evidence is flagged, never passed off as grounded.

A model (or a document steering it) can also type text that reads like a rendered citation,
`[OTHERDOC_2019_10K p.999]` or `INJCO_2023_10K p.6-7`, without citing anything it was given.
Such look-alikes are found in the raw answer (so a real marker's rendering is never one),
listed by the check, and rendered as `(not a source: ...)`, never like a real citation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from retrieval.types import Evidence

CITATION = re.compile(r"\[S(\d+)\]")
LONGEST_MARKER = 6  # "[S999]"
_PAGES = r"pp?\.\s?\d{1,6}(?:\s?[-\u2013]\s?\d{1,6})?(?!\d)"
# What the answer may cite or seem to: a real marker, a bracketed "[... p.N]", or a
# document-like name (it holds an underscore, as file stems do) followed by "p.N".
_SEGMENT = re.compile(
    r"\[S(?P<number>\d+)\]"
    rf"|\[(?P<bracketed>[^\[\]\n]{{0,100}}?\S\s{{1,3}}{_PAGES})\]"
    rf"|(?<![\w\[.&-])(?P<bare>[A-Za-z0-9][\w.&-]{{0,63}}_[\w.&-]{{0,63}}\s{{1,3}}{_PAGES})"
)
LONGEST_LOOKALIKE = 140  # how far back a streamed look-alike may have started
# "p. 12", "pp. 12-14", "[p. 3]": how summaries cite pages (one-based).
PAGE_CITATION = re.compile(r"\bp{1,2}\.\s*(\d+)(?:\s*[-–]\s*(\d+))?", re.IGNORECASE)


def marker(number: int) -> str:
    return f"[S{number}]"


def page_marker(index: int) -> str:
    """The heading of a page block a summary step reads: `[p. 3]` for zero-based index 2."""
    return f"[p. {index + 1}]"


def markers(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, number) of each `[S<number>]` in the text, in order."""
    for match in CITATION.finditer(text):
        yield match.start(), match.end(), int(match.group(1))


def cited_numbers(text: str) -> list[int]:
    """The evidence numbers the text cites, first citation first, each once."""
    return list(dict.fromkeys(number for _, _, number in markers(text)))


def cited_pages(text: str) -> list[int]:
    """One-based page numbers cited as "p. 12" or "pp. 12-14" (a range capped at 20 pages)."""
    pages: list[int] = []
    for match in PAGE_CITATION.finditer(text):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        pages.extend(range(first, min(last, first + 20) + 1))
    return pages


@dataclass(frozen=True)
class Citation:
    source: Evidence
    cited_by_model: bool

    def as_dict(self) -> dict[str, object]:
        s = self.source
        return {
            "marker": f"S{s.number}",
            "document": s.document_name,
            "document_id": s.document_id,
            "page": s.first_page + 1,
            "pages": [p + 1 for p in s.pages],
            "page_index": s.first_page,
            "passage": s.text,
            "cited_by_model": self.cited_by_model,
        }


@dataclass
class CitationCheck:
    """What the answer cites: valid evidence, markers that name none, typed look-alikes
    that name no given source, and a flag."""

    cited: list[Citation] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    lookalikes: list[str] = field(default_factory=list)

    @property
    def grounded(self) -> bool:
        return bool(self.cited)

    def warning(self) -> str | None:
        if self.grounded and not self.invalid and not self.lookalikes:
            return None
        if not self.grounded:
            text = "the answer cites no valid source; check it against the sources listed"
        else:
            text = "the answer cites sources it was not given"
        if self.invalid:
            text += f" (unknown markers: {', '.join(self.invalid)})"
        if self.lookalikes:
            typed = "; ".join(self.lookalikes)
            text += f" (text that looks like a citation but is none: {typed})"
        return text


@dataclass(frozen=True)
class Segment:
    """A piece of an answer: plain text, a marker naming a source (`source` set), a marker
    naming none (`kind` "invalid"), or a look-alike naming no source (`kind` "lookalike")."""

    text: str
    kind: str = "text"  # text, cited, invalid, lookalike
    source: Evidence | None = None
    number: int = 0

    @property
    def readable(self) -> str:
        """How a reader sees it: `[DOC p.N]` for a real citation, a look-alike marked."""
        if self.source is not None:
            return f"[{self.source.label}]"
        if self.kind == "lookalike":
            return f"(not a source: {self.text.strip('[]')})"
        return self.text


def _normal(label: str) -> str:
    return re.sub(r"\s+", "", label).replace("\u2013", "-").lower()


def segments(answer: str, sources: list[Evidence]) -> Iterator[Segment]:
    """The answer cut into text, real citations, unknown markers and look-alikes.

    A look-alike that spells a given source's label exactly (the model echoing a block's
    heading) names that source, so it is left as typed, not flagged.
    """
    by_number = {s.number: s for s in sources}
    labels = {_normal(s.label) for s in sources}
    position = 0
    for match in _SEGMENT.finditer(answer):
        if match.start() > position:
            yield Segment(answer[position : match.start()])
        position = match.end()
        if match.group("number") is not None:
            number = int(match.group("number"))
            source = by_number.get(number)
            kind = "cited" if source else "invalid"
            yield Segment(match.group(0), kind, source, number)
            continue
        typed = match.group("bracketed") or match.group("bare")
        if _normal(typed) in labels:
            yield Segment(match.group(0))
        else:
            yield Segment(match.group(0), "lookalike")
    if position < len(answer):
        yield Segment(answer[position:])


def check_citations(answer: str, sources: list[Evidence]) -> CitationCheck:
    check = CitationCheck()
    seen: set[int] = set()
    for segment in segments(answer, sources):
        if segment.kind == "lookalike":
            if segment.text not in check.lookalikes:
                check.lookalikes.append(segment.text)
        elif segment.kind in ("cited", "invalid") and segment.number not in seen:
            seen.add(segment.number)
            if segment.source is None:
                check.invalid.append(marker(segment.number))
            else:
                check.cited.append(Citation(segment.source, cited_by_model=True))
    return check


def shown_citations(answer: str, sources: list[Evidence]) -> list[Citation]:
    """The evidence the answer cites; when it cites none, all it was given, most relevant
    first and flagged as not cited by the model."""
    cited = check_citations(answer, sources).cited
    if cited:
        return cited
    given = sorted(sources, key=lambda s: -s.score if s.score is not None else 0.0)
    return [Citation(s, cited_by_model=False) for s in given]


def render_citations(answer: str, sources: list[Evidence]) -> str:
    """Replace [S3] markers with readable [DOC p.N] citations and mark look-alikes."""
    return "".join(segment.readable for segment in segments(answer, sources))


class CitationRewriter:
    """`render_citations` for streamed text: holds back a marker or a look-alike that a
    chunk may have cut in two."""

    def __init__(self, sources: list[Evidence]) -> None:
        self._sources = sources
        self._held = ""

    def feed(self, text: str) -> str:
        self._held += text
        cut = _open_tail(self._held)
        ready, self._held = self._held[:cut], self._held[cut:]
        return render_citations(ready, self._sources)

    def finish(self) -> str:
        rest, self._held = self._held, ""
        return render_citations(rest, self._sources)


# The last word (it may grow into a name) or a name with what may grow into its pages.
_NAME_START = re.compile(r"(?<![\w\[.&-])[A-Za-z0-9][\w.&-]*(?:_[\w.&-]*[\sp.\d\u2013-]{0,20})?$")


def _open_tail(text: str) -> int:
    """Where text that may still become a citation or a look-alike starts (else its end):
    an unclosed `[` or a document-like name near the end, with no line break after it."""
    cut = len(text)
    bracket = text.rfind("[")
    tail = text[bracket:] if bracket >= 0 else ""
    if tail and "]" not in tail and "\n" not in tail and len(tail) < LONGEST_LOOKALIKE:
        cut = bracket
    window = max(0, len(text) - LONGEST_LOOKALIKE)
    name = _NAME_START.search(text, window)
    if name is not None and "\n" not in name.group(0):
        cut = min(cut, name.start())
    return cut
