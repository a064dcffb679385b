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
