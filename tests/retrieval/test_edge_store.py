"""The Qdrant Edge adapter, on a real shard on disk, held to the store contract."""

from pathlib import Path

from retrieval.edge_store import EdgeStore
from retrieval.store import VectorStore
from tests.store_contract import DIM, VectorStoreContract


class TestEdgeStore(VectorStoreContract):
    def open_store(self, folder: Path) -> VectorStore:
        return EdgeStore(folder / "index", dimension=DIM)
