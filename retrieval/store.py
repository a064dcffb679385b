"""The vector-store port: one Protocol, one adapter module per engine.

Every adapter stores a dense vector and a BM25 sparse vector per point, with the chunk's
payload (a point may first be written with its BM25 vector alone, so a document can be
searched by keywords before its dense vectors exist, then overwritten with both);
`document_id`, the one field searches filter on, is indexed. Which documents a question
searches is decided from the catalogue (`retrieval.scope`), so the metadata stays there.
`VectorStoreContract` in the tests holds each adapter to the same behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

DENSE = "dense"
SPARSE = "bm25"
# Payload fields with an index, so filters on them stay fast as the library grows.
KEYWORD_FIELDS = ("document_id",)
INTEGER_FIELDS: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexedPoint:
    id: str
    dense: list[float] | None  # None: BM25 only for now (dense search does not see it)
    text: str  # for the sparse (BM25) vector
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class Fusion:
    """Weighted RRF: score = sum of weight / (k + rank) over the dense and BM25 lists."""

    candidates: int = 50  # per list, before fusion
    k: int = 60
    dense_weight: float = 1.0
    sparse_weight: float = 1.0


class VectorStore(Protocol):
    def upsert(self, points: list[IndexedPoint]) -> None:
        """Insert or overwrite points by id; durable when it returns."""
        ...

    def search(
        self,
        dense: list[float],
        limit: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """Nearest points by dense vector."""
        ...

    def sparse_search(
        self,
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """BM25 over the chunk text."""
        ...

    def hybrid_search(
        self,
        dense: list[float],
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        """Dense and BM25 candidates fused by weighted reciprocal rank, inside the engine."""
        ...

    def delete_document(self, document_id: str) -> None: ...

    def count(self, document_id: str | None = None) -> int: ...

    def document_ids(self) -> set[str]:
        """Every document id that has points: how recovery finds orphans."""
        ...

    def clear(self) -> None:
        """Remove every point (reindex starts from here)."""
        ...

    def close(self) -> None: ...
