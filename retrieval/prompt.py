"""Prompt with numbered sources (documents first, question last) and citation mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.search import Source

SYSTEM_PROMPT = (
    "You are Archivist, an analyst's assistant. Answer only from the numbered sources. "
    "After each claim cite its source as [S1], [S2] ... If the sources do not contain the "
    "answer, say so."
)

CITATION = re.compile(r"\[S(\d+)\]")


def build_messages(sources: list[Source], question: str) -> list[dict[str, str]]:
    blocks = [f"[S{s.number}] {s.label}\n{s.text.strip()}" for s in sources]
    user = (
        "Sources:\n\n"
        + "\n\n".join(blocks)
        + f"\n\nQuestion: {question.strip()}\n"
        + "Answer from the sources above and cite them like [S1]."
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


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
            "page": s.page + 1,
            "page_index": s.page,
            "passage": s.text,
            "start_char": s.start_char,
            "end_char": s.end_char,
            "cited_by_model": self.cited_by_model,
        }


def map_citations(answer: str, sources: list[Source]) -> list[Citation]:
    """The sources the answer cites; when it cites none, every source it was given, flagged."""
    by_number = {s.number: s for s in sources}
    cited: list[Citation] = []
    for match in CITATION.finditer(answer):
        source = by_number.get(int(match.group(1)))
        if source and all(c.source.number != source.number for c in cited):
            cited.append(Citation(source, cited_by_model=True))
    if cited:
        return cited
    return [Citation(s, cited_by_model=False) for s in sources]


def render_citations(answer: str, sources: list[Source]) -> str:
    """Replace [S3] markers with readable [DOC p.N] citations."""
    by_number = {s.number: s for s in sources}

    def readable(match: re.Match[str]) -> str:
        source = by_number.get(int(match.group(1)))
        return f"[{source.label}]" if source else match.group(0)

    return CITATION.sub(readable, answer)
