"""Qdrant Edge, the embedded default vector store; the only module importing `qdrant_edge`."""

from __future__ import annotations

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
from qdrant_edge import (
    Fusion as EdgeFusion,
)

from retrieval.store import Fusion, Hit, IndexedPoint

DENSE = "dense"
SPARSE = "bm25"
KEYWORD_FIELDS = ("document_id",)


class EdgeStore:
    def __init__(self, folder: Path, dimension: int) -> None:
        config = EdgeConfig(
            vectors={DENSE: EdgeVectorParams(size=dimension, distance=Distance.Cosine)},
            sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        )
        if (folder / "edge_config.json").exists() or any(folder.glob("segments*")):
            self._shard = EdgeShard.load(str(folder))
        else:
            folder.mkdir(parents=True, exist_ok=True)
            self._shard = EdgeShard.create(str(folder), config)
            for name in KEYWORD_FIELDS:
                self._shard.update(
                    UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword)
                )
        self._bm25 = Bm25()

    def upsert(self, points: list[IndexedPoint]) -> None:
        if not points:
            return
        edge_points = [
            Point(
                id=p.id,
                vector={DENSE: p.dense, SPARSE: self._bm25.embed_document(p.text)},
                payload=p.payload,
            )
            for p in points
        ]
        self._shard.update(UpdateOperation.upsert_points(edge_points))
        self._shard.flush()

    def search(
        self, dense: list[float], limit: int, document_ids: list[str] | None = None
    ) -> list[Hit]:
        found = self._shard.query(
            QueryRequest(
                limit=limit,
                query=Query.Nearest(dense, using=DENSE),
                filter=_documents(document_ids),
                with_payload=True,
            )
        )
        return _hits(found)

    def sparse_search(
        self, text: str, limit: int, document_ids: list[str] | None = None
    ) -> list[Hit]:
        found = self._shard.query(
            QueryRequest(
                limit=limit,
                query=Query.Nearest(self._bm25.embed_query(text), using=SPARSE),
                filter=_documents(document_ids),
                with_payload=True,
            )
        )
        return _hits(found)

    def hybrid_search(
        self,
        dense: list[float],
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        fusion = fusion or Fusion()
        query_filter = _documents(document_ids)
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
        found = self._shard.query(
            QueryRequest(
                limit=limit,
                prefetches=prefetches,
                query=EdgeFusion.Rrf(  # type: ignore[arg-type]
                    k=fusion.k, weights=[fusion.dense_weight, fusion.sparse_weight]
                ),
                filter=query_filter,
                with_payload=True,
            )
        )
        return _hits(found)

    def delete_document(self, document_id: str) -> None:
        condition = FieldCondition(key="document_id", match=MatchValue(document_id))
        self._shard.update(UpdateOperation.delete_points_by_filter(Filter(must=[condition])))
        self._shard.flush()

    def count(self) -> int:
        return int(self._shard.count(CountRequest(exact=True)))

    def close(self) -> None:
        self._shard.flush()
        self._shard.close()


def _documents(document_ids: list[str] | None) -> Filter | None:
    if not document_ids:
        return None
    return Filter(must=[FieldCondition(key="document_id", match=MatchAny(any=document_ids))])


def _hits(found: list[Any]) -> list[Hit]:
    return [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in found]
