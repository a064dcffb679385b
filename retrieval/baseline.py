"""The FinanceBench paper's retrieval baseline, run in-process for a side-by-side ratio.

Fixed 1,024-character chunks with 30 characters of overlap over each document's text,
the same embedder as the product, dense cosine top-k; a chunk's pages are the pages it
touches. Vectors are cached per document (by content hash) under the workspace's cache
folder so a second run costs only the queries.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingestion.embedder import Embedder
from retrieval.catalogue import Catalogue, DocumentInfo

SIZE = 1024
OVERLAP = 30


@dataclass(frozen=True)
class BaselineChunk:
    document_name: str
    first_page: int
    last_page: int

    @property
    def pages(self) -> range:
        return range(self.first_page, self.last_page + 1)


def char_chunks(
    pages: dict[int, str], size: int = SIZE, overlap: int = OVERLAP
) -> list[tuple[str, int, int]]:
    """(text, first page, last page) windows over the pages joined by newlines."""
    indexes = sorted(pages)
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for index in indexes:
        starts.append(offset)
        parts.append(pages[index])
        offset += len(pages[index]) + 1
    text = "\n".join(parts)
    chunks = []
    for start in range(0, max(len(text) - overlap, 1), size - overlap):
        end = min(start + size, len(text))
        first = indexes[bisect.bisect_right(starts, start) - 1]
        last = indexes[bisect.bisect_right(starts, max(start, end - 1)) - 1]
        if text[start:end].strip():
            chunks.append((text[start:end], first, last))
    return chunks


class BaselineIndex:
    """All chunks of the given documents with their vectors, searched by brute-force cosine."""

    def __init__(
        self,
        catalogue: Catalogue,
        embedder: Embedder,
        cache_dir: Path,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._embedder = embedder
        self._cache = cache_dir
        self._progress = progress
        self._chunks: list[BaselineChunk] = []
        self._by_doc: dict[str, list[int]] = {}
        self._vectors: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

    def add(self, document: DocumentInfo) -> None:
        pages = self._catalogue.pages(document.id)
        chunks = char_chunks(pages)
        vectors = self._vectors_for(document, [c[0] for c in chunks])
        first = len(self._chunks)
        self._chunks.extend(BaselineChunk(document.name, c[1], c[2]) for c in chunks)
        self._by_doc[document.name] = list(range(first, len(self._chunks)))
        self._vectors.append(vectors)
        self._matrix = None

    def _vectors_for(self, document: DocumentInfo, texts: list[str]) -> np.ndarray:
        path = self._cache / f"{document.sha256}-{SIZE}-{OVERLAP}.npy"
        if path.is_file():
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached
        if self._progress:
            self._progress(f"baseline: embedding {len(texts)} chunks of {document.name}")
        vectors = np.asarray(self._embedder.embed(texts), dtype=np.float32)
        vectors = vectors.reshape(len(texts), -1)
        self._cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors

    def search(
        self, vector: list[float], k: int, document: str | None = None
    ) -> list[BaselineChunk]:
        if self._matrix is None:
            self._matrix = np.concatenate(self._vectors) if self._vectors else np.zeros((0, 1))
        if not self._chunks:
            return []
        rows = np.asarray(self._by_doc.get(document, []) if document else range(len(self._chunks)))
        if rows.size == 0:
            return []
        scores = self._matrix[rows] @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-scores, kind="stable")[:k]
        return [self._chunks[int(rows[i])] for i in top]
