"""The Qdrant Edge adapter, on a real shard on disk."""

from pathlib import Path

from retrieval.edge_store import EdgeStore
from retrieval.store import IndexedPoint


def unit(i: int, size: int = 8) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(size)]


def test_upsert_search_filter_delete_reopen(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    store = EdgeStore(folder, dimension=8)
    points = [
        IndexedPoint(
            id=f"00000000-0000-0000-0000-00000000000{i}",
            dense=unit(i),
            text=f"passage {i}",
            payload={"document_id": "a" if i < 3 else "b"},
        )
        for i in range(6)
    ]
    store.upsert(points)
    store.upsert(points)  # same ids: no duplicates
    assert store.count() == 6

    hits = store.search(unit(4), limit=2)
    assert hits[0].id == points[4].id
    assert hits[0].score > hits[1].score

    scoped = store.search(unit(4), limit=3, document_ids=["a"])
    assert {h.payload["document_id"] for h in scoped} == {"a"}

    store.delete_document("a")
    assert store.count() == 3
    store.close()

    reopened = EdgeStore(folder, dimension=8)
    assert reopened.count() == 3
    reopened.close()


def test_hybrid_search_fuses_bm25_with_dense(tmp_path: Path) -> None:
    from retrieval.store import Fusion

    store = EdgeStore(tmp_path / "index", dimension=8)
    texts = [
        "capital expenditures were 412 million",
        "revenue grew seven percent",
        "risk factors include weather",
        "dividends paid to shareholders",
    ]
    points = [
        IndexedPoint(
            id=f"00000000-0000-0000-0000-00000000000{i}",
            dense=unit(i),
            text=text,
            payload={"document_id": "a" if i < 2 else "b"},
        )
        for i, text in enumerate(texts)
    ]
    store.upsert(points)
    # Dense points at passage 3; the words point at passage 0: both make the fused top 2.
    sparse = store.sparse_search("capital expenditures", limit=4)
    assert [h.id for h in sparse] == [points[0].id]
    fused = store.hybrid_search(unit(3), "capital expenditures", limit=2)
    assert {h.id for h in fused} == {points[0].id, points[3].id}
    weighted = store.hybrid_search(
        unit(3), "capital expenditures", limit=1, fusion=Fusion(k=1, sparse_weight=3.0)
    )
    assert weighted[0].id == points[0].id
    scoped = store.hybrid_search(unit(3), "capital expenditures", limit=4, document_ids=["a"])
    assert {h.payload["document_id"] for h in scoped} == {"a"}
    store.close()
