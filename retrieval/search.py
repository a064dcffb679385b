"""Dense search over the index, resolved to catalogue chunks with their pages."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.embedder import Embedder
from retrieval.catalogue import Catalogue
from retrieval.store import VectorStore


@dataclass(frozen=True)
class Source:
    """One retrieved passage, numbered in the prompt as [S<number>]."""

    number: int
    chunk_id: str
    document_id: str
    document_name: str
    page: int  # zero-based index of the first page the passage is on
    start_char: int
    end_char: int
    text: str
    score: float

    @property
    def label(self) -> str:
        return f"{self.document_name} p.{self.page + 1}"


class Retriever:
    def __init__(self, catalogue: Catalogue, store: VectorStore, embedder: Embedder) -> None:
        self._catalogue = catalogue
        self._store = store
        self._embedder = embedder

    def retrieve(
        self, question: str, k: int, document_ids: list[str] | None = None
    ) -> list[Source]:
        [vector] = self._embedder.embed([question])
        hits = self._store.search(vector, limit=k, document_ids=document_ids)
        chunks = self._catalogue.chunks(hit.id for hit in hits)
        sources: list[Source] = []
        for hit in hits:
            chunk = chunks.get(hit.id)
            if chunk is None:  # index ahead of the catalogue: never cite what we can't show
                continue
            sources.append(
                Source(
                    number=len(sources) + 1,
                    chunk_id=chunk.id,
                    document_id=chunk.document_id,
                    document_name=chunk.document_name,
                    page=chunk.first_page,
                    start_char=chunk.start_char,
                    end_char=chunk.end_char,
                    text=chunk.text,
                    score=hit.score,
                )
            )
        return sources
