"""Labelled source blocks (documents first, question last) and mapping citations back.

Every block the model reads is numbered and labelled, `[S3] BOEING_2022_10K p.112`; the
answer cites `[S3]`, which maps back to a document and its page(s). An answer that cites
no valid source is flagged, never passed off as grounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SYSTEM_PROMPT = (
    "You are Archivist, an analyst's assistant. Answer only from the numbered sources. "
    "After each claim cite its source as [S1], [S2] ... If the sources do not contain the "
    "answer, say so."
)

CITATION = re.compile(r"\[S(\d+)\]")
QUESTION_INTRO = "Question: "
QUESTION_OUTRO = "Answer from the sources above and cite them like [S1]."


@dataclass(frozen=True)
class Source:
    """One block of the prompt: a page or a short page span of one document."""

    number: int
    document_id: str
    document_name: str
    first_page: int  # zero-based
    last_page: int
    text: str
    score: float | None = None
    # (page, start, end): the best-matching chunk, as offsets into that page's stored text,
    # so a citation can show the exact passage.
    passage: tuple[int, int, int] | None = None

    @property
    def page(self) -> int:
        return self.first_page

    @property
    def pages(self) -> range:
        return range(self.first_page, self.last_page + 1)

    @property
    def label(self) -> str:
        span = f"{self.first_page + 1}"
        if self.last_page > self.first_page:
            span += f"-{self.last_page + 1}"
        return f"{self.document_name} p.{span}"

    def block(self) -> str:
        return f"[S{self.number}] {self.label}\n{self.text.strip()}"


def user_message(sources: list[Source], question: str) -> str:
    body = "\n\n".join(s.block() for s in sources)
    head = f"Sources:\n\n{body}\n\n" if sources else "Sources: (none found)\n\n"
    return head + QUESTION_INTRO + question.strip() + "\n" + QUESTION_OUTRO


def build_messages(
    sources: list[Source], question: str, system_prompt: str = SYSTEM_PROMPT
) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": user_message(sources, question)},
    ]


@dataclass(frozen=True)
class Citation:
    source: Source
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
    """What the answer cites: valid sources, markers that name no source, and a flag."""

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


def check_citations(answer: str, sources: list[Source]) -> CitationCheck:
    by_number = {s.number: s for s in sources}
    check = CitationCheck()
    for match in CITATION.finditer(answer):
        source = by_number.get(int(match.group(1)))
        if source is None:
            if match.group(0) not in check.invalid:
                check.invalid.append(match.group(0))
        elif all(c.source.number != source.number for c in check.cited):
            check.cited.append(Citation(source, cited_by_model=True))
    return check


def map_citations(answer: str, sources: list[Source]) -> list[Citation]:
    """The sources the answer cites; when it cites none, every source it was given, flagged."""
    cited = check_citations(answer, sources).cited
    return cited or [Citation(s, cited_by_model=False) for s in sources]


def render_citations(answer: str, sources: list[Source]) -> str:
    """Replace [S3] markers with readable [DOC p.N] citations."""
    by_number = {s.number: s for s in sources}

    def readable(match: re.Match[str]) -> str:
        source = by_number.get(int(match.group(1)))
        return f"[{source.label}]" if source else match.group(0)

    return CITATION.sub(readable, answer)
