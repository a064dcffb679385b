"""A Qdrant server or cluster through `qdrant-client`; the only module importing it.

Same collection layout as the embedded store: a named dense vector, a BM25 sparse vector
with the IDF modifier (the BM25 term weights come from Qdrant Edge's encoder, so both
adapters index identical sparse vectors), payload indexes on the filter fields. The
client's local mode (`path=` or ":memory:") stands in for a server in the tests.
"""

from __future__ import annotations

import warnings
from typing import Any

from qdrant_client import QdrantClient, models
from qdrant_edge import Bm25

from retrieval.store import (
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    Fusion,
    Hit,
    IndexedPoint,
)

COLLECTION = "archivist"
SCROLL_PAGE = 1024


def _filter(document_ids: list[str] | None) -> models.Filter | None:
    if not document_ids:
        return None
    match = models.MatchAny(any=document_ids)
    return models.Filter(must=[models.FieldCondition(key="document_id", match=match)])


class ClientStore:
    def __init__(
        self,
        dimension: int,
        url: str | None = None,
        path: str | None = None,
        api_key: str | None = None,
        collection: str = COLLECTION,
    ) -> None:
        if url and url != ":memory:":
            self._client = QdrantClient(url=url, api_key=api_key, timeout=60)
        elif url == ":memory:":
            self._client = QdrantClient(location=":memory:")
        else:
            self._client = QdrantClient(path=path)
        self._collection = collection
        self._bm25 = Bm25()
        if not self._client.collection_exists(collection):
            self._create(dimension)

    def _create(self, dimension: int) -> None:
        self._client.create_collection(
            self._collection,
            vectors_config={
                DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():  # local mode says indexes have no effect there
            warnings.simplefilter("ignore")
            for name in KEYWORD_FIELDS:
                self._client.create_payload_index(
                    self._collection, name, models.PayloadSchemaType.KEYWORD
                )
            for name in INTEGER_FIELDS:
                self._client.create_payload_index(
                    self._collection, name, models.PayloadSchemaType.INTEGER
                )

    def _sparse(self, text: str) -> models.SparseVector:
        vector = self._bm25.embed_document(text)
        return models.SparseVector(indices=list(vector.indices), values=list(vector.values))

    def _sparse_query(self, text: str) -> models.SparseVector:
        vector = self._bm25.embed_query(text)
        return models.SparseVector(indices=list(vector.indices), values=list(vector.values))

    def upsert(self, points: list[IndexedPoint]) -> None:
        if not points:
            return
        self._client.upsert(
            self._collection,
            points=[
                models.PointStruct(id=p.id, vector=self._vectors(p), payload=p.payload)
                for p in points
            ],
            wait=True,
        )

    def _vectors(self, point: IndexedPoint) -> dict[str, Any]:
        """BM25 always; dense once computed (a searchable document's points have none yet)."""
        vectors: dict[str, Any] = {SPARSE: self._sparse(point.text)}
        if point.dense is not None:
            vectors[DENSE] = point.dense
        return vectors

    def search(
        self,
        dense: list[float],
        limit: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        return self._nearest(dense, DENSE, limit, document_ids)

    def sparse_search(
        self,
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        return self._nearest(self._sparse_query(text), SPARSE, limit, document_ids)

    def _nearest(
        self,
        query: Any,
        using: str,
        limit: int,
        document_ids: list[str] | None,
    ) -> list[Hit]:
        response = self._client.query_points(
            self._collection,
            query=query,
            using=using,
            limit=limit,
            query_filter=_filter(document_ids),
            with_payload=True,
        )
        return _hits(response.points)

    def hybrid_search(
        self,
        dense: list[float],
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        fusion = fusion or Fusion()
        query_filter = _filter(document_ids)
        prefetch = [
            models.Prefetch(query=dense, using=DENSE, limit=fusion.candidates, filter=query_filter),
            models.Prefetch(
                query=self._sparse_query(text),
                using=SPARSE,
                limit=fusion.candidates,
                filter=query_filter,
            ),
        ]
        rrf = models.Rrf(k=fusion.k, weights=[fusion.dense_weight, fusion.sparse_weight])
        response = self._client.query_points(
            self._collection,
            prefetch=prefetch,
            query=models.RrfQuery(rrf=rrf),
            limit=limit,
            query_filter=query_filter,
            with_payload=True,
        )
        return _hits(response.points)

    def delete_document(self, document_id: str) -> None:
        condition = models.FieldCondition(
            key="document_id", match=models.MatchValue(value=document_id)
        )
        selector = models.FilterSelector(filter=models.Filter(must=[condition]))
        self._client.delete(self._collection, points_selector=selector, wait=True)

    def count(self, document_id: str | None = None) -> int:
        query_filter = _filter([document_id] if document_id else None)
        return int(self._client.count(self._collection, count_filter=query_filter).count)

    def document_ids(self) -> set[str]:
        found: set[str] = set()
        offset: Any = None
        while True:
            records, offset = self._client.scroll(
                self._collection,
                limit=SCROLL_PAGE,
                offset=offset,
                with_payload=["document_id"],
                with_vectors=False,
            )
            found.update(str((r.payload or {}).get("document_id")) for r in records)
            if offset is None:
                return found

    def clear(self) -> None:
        for document_id in self.document_ids():
            self.delete_document(document_id)

    def close(self) -> None:
        self._client.close()


def _hits(points: list[Any]) -> list[Hit]:
    return [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in points]
