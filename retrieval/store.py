"""The vector-store port: one Protocol, one adapter module per engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class IndexedPoint:
    id: str
    dense: list[float]
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
    def upsert(self, points: list[IndexedPoint]) -> None: ...

    def search(
        self, dense: list[float], limit: int, document_ids: list[str] | None = None
    ) -> list[Hit]: ...

    def sparse_search(
        self, text: str, limit: int, document_ids: list[str] | None = None
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

    def count(self) -> int: ...

    def close(self) -> None: ...
