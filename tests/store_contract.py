"""`VectorStoreContract`: the behaviour every vector-store adapter must show.

As haystack's `CountDocumentsTest`/`WriteDocumentsTest`/`DeleteDocumentsTest`: one mixin per
capability (write, search, delete), combined in `VectorStoreContract`. Subclass it (or
the mixins an adapter offers) and implement `open_store`; pytest collects the tests.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.store import IndexedPoint, VectorStore

DIM = 8


def unit(i: int, size: int = DIM) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(size)]


def point_id(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def sample_points() -> list[IndexedPoint]:
    return [
        IndexedPoint(
            id=point_id(i),
            dense=unit(i),
            text=f"passage {i} about {'capital expenditures' if i % 2 else 'revenue'}",
            payload={
                "document_id": "a" if i < 3 else "b",
                "first_page": i,
            },
        )
        for i in range(6)
    ]


class StoreUnderTest:
    """What every mixin needs: a way to open the adapter on a folder."""

    reopens = True  # in-memory doubles can't reopen

    def open_store(self, folder: Path) -> VectorStore:
        raise NotImplementedError


class WritePointsContract(StoreUnderTest):
    """Upsert: idempotent by id, durable, BM25 first and dense vectors later."""

    def test_upsert_is_idempotent_by_id(self, tmp_path: Path) -> None:
        store = self.open_store(tmp_path)
        store.upsert(sample_points())
        store.upsert(sample_points())
        assert store.count() == 6
        assert store.count("a") == 3
        store.close()

    def test_points_survive_reopen(self, tmp_path: Path) -> None:
        if not self.reopens:
            return
        store = self.open_store(tmp_path)
        store.upsert(sample_points())
        store.delete_document("b")
        store.close()
        again = self.open_store(tmp_path)
        assert again.count() == 3
        assert again.search(unit(1), limit=1)[0].id == point_id(1)
        again.close()

    def test_bm25_only_points_then_dense_vectors(self, tmp_path: Path) -> None:
        """A document is searchable by keywords before its dense vectors exist."""
        store = self.open_store(tmp_path)
        keyword_only = [
            IndexedPoint(p.id, None, p.text, p.payload) for p in sample_points() if p.id[-1] in "01"
        ]
        store.upsert(keyword_only)
        assert store.count() == 2
        assert store.document_ids() == {"a"}
        assert store.search(unit(1), limit=5) == []
        sparse = store.sparse_search("capital expenditures", limit=5)
        assert [h.id for h in sparse] == [point_id(1)]
        fused = store.hybrid_search(unit(1), "capital expenditures", limit=5)
        assert point_id(1) in [h.id for h in fused]
        store.upsert(sample_points())  # the dense vectors follow: same ids, overwritten
        assert store.count() == 6
        assert store.search(unit(1), limit=1)[0].id == point_id(1)
        store.close()


class SearchContract(StoreUnderTest):
    """Dense, BM25 and fused search, scoped to documents."""

    def test_nearest_first_with_payload(self, tmp_path: Path) -> None:
        store = self.open_store(tmp_path)
        store.upsert(sample_points())
        hits = store.search(unit(4), limit=2)
        assert hits[0].id == point_id(4)
        assert hits[0].score > hits[1].score
        assert hits[0].payload["first_page"] == 4
        store.close()

    def test_filters_by_document(self, tmp_path: Path) -> None:
        store = self.open_store(tmp_path)
        store.upsert(sample_points())
        scoped = store.search(unit(4), limit=6, document_ids=["a"])
        assert {h.payload["document_id"] for h in scoped} == {"a"} and len(scoped) == 3
        assert store.search(unit(0), limit=6, document_ids=["missing"]) == []
        store.close()

    def test_hybrid_search_fuses_bm25_with_dense(self, tmp_path: Path) -> None:
        from retrieval.store import Fusion

        store = self.open_store(tmp_path)
        texts = [
            "capital expenditures were 412 million",
            "revenue grew seven percent",
            "risk factors include weather",
            "dividends paid to shareholders",
        ]
        points = [
            IndexedPoint(
                id=point_id(i),
                dense=unit(i),
                text=text,
                payload={"document_id": "a" if i < 2 else "b"},
            )
            for i, text in enumerate(texts)
        ]
        store.upsert(points)
        # Dense points at passage 3; the words point at passage 0: both make the fused top 2.
        sparse = store.sparse_search("capital expenditures", limit=4)
        assert [h.id for h in sparse] == [point_id(0)]
        fused = store.hybrid_search(unit(3), "capital expenditures", limit=2)
        assert {h.id for h in fused} == {point_id(0), point_id(3)}
        weighted = store.hybrid_search(
            unit(3), "capital expenditures", limit=1, fusion=Fusion(k=1, sparse_weight=3.0)
        )
        assert weighted[0].id == point_id(0)
        scoped = store.hybrid_search(unit(3), "capital expenditures", limit=4, document_ids=["a"])
        assert {h.payload["document_id"] for h in scoped} == {"a"}
        store.close()


class DeletePointsContract(StoreUnderTest):
    """Points leave by document, or all at once; what is left is listed."""

    def test_delete_document_and_list_document_ids(self, tmp_path: Path) -> None:
        store = self.open_store(tmp_path)
        store.upsert(sample_points())
        assert store.document_ids() == {"a", "b"}
        store.delete_document("a")
        assert store.count() == 3 and store.document_ids() == {"b"}
        store.delete_document("missing")  # deleting nothing is fine
        store.clear()
        assert store.count() == 0 and store.document_ids() == set()
        store.close()


class VectorStoreContract(WritePointsContract, SearchContract, DeletePointsContract):
    """Every capability of `retrieval.store.VectorStore`: what each adapter's tests inherit."""
