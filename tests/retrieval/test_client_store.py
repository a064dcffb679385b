"""The qdrant-client adapter, in the client's local mode (no server binary can be installed
here), held to the same store contract as Qdrant Edge."""

from pathlib import Path

from retrieval.client_store import ClientStore
from retrieval.store import VectorStore
from tests.store_contract import DIM, VectorStoreContract


class TestClientStoreOnDisk(VectorStoreContract):
    def open_store(self, folder: Path) -> VectorStore:
        return ClientStore(DIM, path=str(folder / "qdrant"))


class TestClientStoreInMemory(VectorStoreContract):
    reopens = False

    def open_store(self, folder: Path) -> VectorStore:
        return ClientStore(DIM, url=":memory:")
