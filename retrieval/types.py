"""The one evidence type, from search to prompt to answer (and back from the history).

A search ranks chunks into `Evidence` (a page or a short page span of one document); the
assembler numbers the pieces it puts in the prompt (`number`, the `[S3]` the model cites);
the answer and the chat history keep the same records, so a citation always leads back to
the text the model read. Document metadata is `ingestion.records.DocumentMeta`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# Page texts read for a question, by document id then zero-based page index: read once, in
# one query (`Catalogue.page_texts`), then every unit's text and passages are cut from them.
PageTexts = dict[str, dict[int, str]]


@dataclass(frozen=True)
class Evidence:
    document_id: str
    document_name: str
    first_page: int  # zero-based, inclusive
    last_page: int
    text: str = ""
    score: float | None = None
    # (page, start, end): the best-matching chunk, as offsets into that page's stored text,
    # so a citation can show the exact passage.
    passage: tuple[int, int, int] | None = None
    number: int = 0  # its [S<number>] in the prompt; 0 until the assembler places it
    chunk_ids: tuple[str, ...] = ()
    # Shorter stand-ins for `text` (retrieval/passages.py): the assembler puts in the
    # longest form that fits and drops these once it has chosen.
    passages: tuple[str, ...] = ()

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

    def levels(self) -> tuple[str, ...]:
        """What can go into the prompt for it, longest first: its text, then its passages."""
        return (self.text, *self.passages)

    def numbered(self, number: int) -> Evidence:
        return replace(self, number=number)

    def as_dict(self) -> dict[str, Any]:
        """What the chat history stores (the chunk ids are search detail, not kept)."""
        return {
            "document_id": self.document_id,
            "document_name": self.document_name,
            "first_page": self.first_page,
            "last_page": self.last_page,
            "text": self.text,
            "score": self.score,
            "passage": list(self.passage) if self.passage else None,
            "number": self.number,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """A stored record; fields added or dropped since it was saved don't break it."""
        known = set(cls.__dataclass_fields__) - {"chunk_ids", "passages"}
        fields = {k: v for k, v in data.items() if k in known}
        if fields.get("passage") is not None:
            fields["passage"] = tuple(fields["passage"])
        return cls(**fields)
