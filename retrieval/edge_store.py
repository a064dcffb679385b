"""Qdrant Edge, the embedded default vector store; the only module importing `qdrant_edge`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qdrant_edge import (
    Bm25,
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FacetRequest,
    FieldCondition,
    Filter,
    MatchAny,
    MatchValue,
    Modifier,
    PayloadSchemaType,
    Point,
    Prefetch,
    Query,
    QueryRequest,
    UpdateOperation,
)
from qdrant_edge import Fusion as EdgeFusion

from retrieval.disk_space import require_space_for, space_error
from retrieval.integrity import IndexUnreadableError
from retrieval.store import (
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    Fusion,
    Hit,
    IndexedPoint,
)

FACET_LIMIT = 1_000_000


def build_filter(
    document_ids: list[str] | None, where: dict[str, str | int] | None
) -> Filter | None:
    conditions: list[Any] = []
    if document_ids:
        conditions.append(FieldCondition(key="document_id", match=MatchAny(any=document_ids)))
    for key, value in (where or {}).items():
        conditions.append(FieldCondition(key=key, match=MatchValue(value)))
    return Filter(must=conditions) if conditions else None


class EdgeStore:
    def __init__(self, folder: Path, dimension: int) -> None:
        self._folder = folder
        config = EdgeConfig(
            vectors={DENSE: EdgeVectorParams(size=dimension, distance=Distance.Cosine)},
            sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        )
        if (folder / "edge_config.json").exists() or any(folder.glob("segments*")):
            self._shard = self._read(EdgeShard.load, str(folder))
        else:
            folder.mkdir(parents=True, exist_ok=True)
            self._shard = EdgeShard.create(str(folder), config)
            for name in KEYWORD_FIELDS:
                self._shard.update(
                    UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword)
                )
            for name in INTEGER_FIELDS:
                self._shard.update(
                    UpdateOperation.create_field_index(name, PayloadSchemaType.Integer)
                )
        self._bm25 = Bm25()

    def upsert(self, points: list[IndexedPoint]) -> None:
        if not points:
            return
        require_space_for(self._folder, points)  # a full disk is SIGBUS in the mmap, later
        edge_points = [Point(id=p.id, vector=self._vectors(p), payload=p.payload) for p in points]
        try:
            self._shard.update(UpdateOperation.upsert_points(edge_points))
            self._shard.flush()
        except Exception as exc:
            full = space_error(exc, self._folder)
            if full is None:
                raise
            raise full from exc

    def _vectors(self, point: IndexedPoint) -> dict[str, Any]:
        """BM25 always; dense once computed (a searchable document's points have none yet)."""
        vectors: dict[str, Any] = {SPARSE: self._bm25.embed_document(point.text)}
        if point.dense is not None:
            vectors[DENSE] = point.dense
        return vectors

    def search(
        self,
        dense: list[float],
        limit: int,
        document_ids: list[str] | None = None,
        where: dict[str, str | int] | None = None,
    ) -> list[Hit]:
        return self._nearest(Query.Nearest(dense, using=DENSE), limit, document_ids, where)

    def sparse_search(
        self,
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
        where: dict[str, str | int] | None = None,
    ) -> list[Hit]:
        query = Query.Nearest(self._bm25.embed_query(text), using=SPARSE)
        return self._nearest(query, limit, document_ids, where)

    def _nearest(
        self,
        query: Any,
        limit: int,
        document_ids: list[str] | None,
        where: dict[str, str | int] | None,
    ) -> list[Hit]:
        request = QueryRequest(
            limit=limit, query=query, filter=build_filter(document_ids, where), with_payload=True
        )
        return _hits(self._read(self._shard.query, request))

    def hybrid_search(
        self,
        dense: list[float],
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
        fusion: Fusion | None = None,
        where: dict[str, str | int] | None = None,
    ) -> list[Hit]:
        fusion = fusion or Fusion()
        query_filter = build_filter(document_ids, where)
        prefetches = [
            Prefetch(
                limit=fusion.candidates,
                query=Query.Nearest(dense, using=DENSE),
                filter=query_filter,
            ),
            Prefetch(
                limit=fusion.candidates,
                query=Query.Nearest(self._bm25.embed_query(text), using=SPARSE),
                filter=query_filter,
            ),
        ]
        found = self._read(
            self._shard.query,
            QueryRequest(
                limit=limit,
                prefetches=prefetches,
                query=EdgeFusion.Rrf(  # type: ignore[arg-type]
                    k=fusion.k, weights=[fusion.dense_weight, fusion.sparse_weight]
                ),
                filter=query_filter,
                with_payload=True,
            ),
        )
        return _hits(found)

    def delete_document(self, document_id: str) -> None:
        condition = FieldCondition(key="document_id", match=MatchValue(document_id))
        self._shard.update(UpdateOperation.delete_points_by_filter(Filter(must=[condition])))
        self._shard.flush()

    def count(self, document_id: str | None = None) -> int:
        query_filter = build_filter([document_id] if document_id else None, None)
        return int(self._read(self._shard.count, CountRequest(exact=True, filter=query_filter)))

    @staticmethod
    def _read(call: Callable[[Any], Any], request: Any) -> Any:
        """Qdrant's own message for a damaged shard becomes one line with the fix."""
        try:
            return call(request)
        except Exception as exc:  # noqa: BLE001 - the engine raises its own error types
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise IndexUnreadableError(f"cannot be read ({reason})") from exc

    def document_ids(self) -> set[str]:
        response = self._shard.facet(FacetRequest(key="document_id", limit=FACET_LIMIT, exact=True))
        return {str(hit.value) for hit in response.hits if hit.count > 0}

    def clear(self) -> None:
        for document_id in self.document_ids():
            self.delete_document(document_id)

    def close(self) -> None:
        self._shard.flush()
        self._shard.close()


def _hits(found: list[Any]) -> list[Hit]:
    return [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in found]
