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


class VectorStore(Protocol):
    def upsert(self, points: list[IndexedPoint]) -> None: ...

    def search(
        self, dense: list[float], limit: int, document_ids: list[str] | None = None
    ) -> list[Hit]: ...

    def delete_document(self, document_id: str) -> None: ...

    def count(self) -> int: ...

    def close(self) -> None: ...
