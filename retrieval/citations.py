"""Citations, in one place: the `[S3]` markers an answer cites its numbered evidence by,
the `(p. 12)` markers a summary cites its pages by, and what each maps back to.

Parse (`markers`, `cited_pages`), map to pages (`CitationCheck.cited`), render for a reader
(`render_citations`, `[DOC p.N]`; `CitationRewriter` while text streams) and check
(`check_citations`: grounded, or citing markers that name no evidence). An answer that
cites no valid evidence is flagged, never passed off as grounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from retrieval.types import Evidence

CITATION = re.compile(r"\[S(\d+)\]")
LONGEST_MARKER = 6  # "[S999]"
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
    """What the answer cites: valid evidence, markers that name none, and a flag."""

    cited: list[Citation] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @property
    def grounded(self) -> bool:
        return bool(self.cited)

    def warning(self) -> str | None:
        if self.grounded and not self.invalid:
            return None
        if not self.grounded:
            text = "the answer cites no valid source; check it against the sources listed"
        else:
            text = "the answer cites sources it was not given"
        if self.invalid:
            text += f" (unknown markers: {', '.join(self.invalid)})"
        return text


def check_citations(answer: str, sources: list[Evidence]) -> CitationCheck:
    by_number = {s.number: s for s in sources}
    check = CitationCheck()
    for number in cited_numbers(answer):
        source = by_number.get(number)
        if source is None:
            check.invalid.append(marker(number))
        else:
            check.cited.append(Citation(source, cited_by_model=True))
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
    """Replace [S3] markers with readable [DOC p.N] citations."""
    by_number = {s.number: s for s in sources}

    def readable(match: re.Match[str]) -> str:
        source = by_number.get(int(match.group(1)))
        return f"[{source.label}]" if source else match.group(0)

    return CITATION.sub(readable, answer)


class CitationRewriter:
    """`render_citations` for streamed text: holds back a marker cut in two by a chunk."""

    def __init__(self, sources: list[Evidence]) -> None:
        self._sources = sources
        self._held = ""

    def feed(self, text: str) -> str:
        self._held += text
        cut = self._held.rfind("[")
        if cut >= 0 and "]" not in self._held[cut:] and len(self._held) - cut < LONGEST_MARKER:
            ready, self._held = self._held[:cut], self._held[cut:]
        else:
            ready, self._held = self._held, ""
        return render_citations(ready, self._sources)

    def finish(self) -> str:
        rest, self._held = self._held, ""
        return render_citations(rest, self._sources)
