"""Search: dense and BM25 candidates fused in the engine, then grouped into evidence units.

Each choice here was measured on the FinanceBench dev split with `archivist eval
retrieval` (figures in the README); the defaults are the ones that scored best, not the
ones that sound best.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from ingestion.embedder import Embedder
from retrieval.catalogue import Catalogue
from retrieval.evidence import EvidenceUnit, RankedChunk, build_units, fill_text
from retrieval.store import Fusion, Hit, VectorStore

# Analysts name a statement loosely; filings title it formally. Added to the BM25 query only.
STATEMENT_TITLES = (
    (re.compile(r"cash ?flows? statement|statements? of cash flows?", re.I),
     "consolidated statements of cash flows"),
    (re.compile(r"income statement|statements? of (income|operations|earnings)|\bP&L\b", re.I),
     "consolidated statements of income operations"),
    (re.compile(r"balance sheet|statements? of financial position", re.I),
     "consolidated balance sheets"),
)  # fmt: skip


def keyword_query(question: str) -> str:
    """The BM25 text: the question, plus the formal title of any statement it names."""
    extra = [title for pattern, title in STATEMENT_TITLES if pattern.search(question)]
    return " ".join([question, *extra])


class Method(StrEnum):
    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class SearchConfig:
    method: Method = Method.HYBRID
    fusion: Fusion = field(default_factory=Fusion)
    chunks: int = 40  # ranked chunks grouped into evidence units
    max_span: int = 2  # pages per evidence unit
    aggregate: str = "max"  # unit score: "max" or "sum" of its chunks' scores
    expand: bool = False  # add formal statement titles to the BM25 query


class Retriever:
    def __init__(
        self,
        catalogue: Catalogue,
        store: VectorStore,
        embedder: Embedder,
        config: SearchConfig | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._store = store
        self._embedder = embedder
        self.config = config or SearchConfig()

    def rank_chunks(
        self,
        question: str,
        limit: int,
        document_ids: list[str] | None = None,
        vector: list[float] | None = None,
    ) -> list[RankedChunk]:
        """Chunks in rank order; hits the catalogue does not know are never returned."""
        config = self.config
        keywords = keyword_query(question) if config.expand else question
        if config.method == Method.BM25:
            hits = self._store.sparse_search(keywords, limit, document_ids)
        else:
            if vector is None:
                [vector] = self._embedder.embed([question])
            if config.method == Method.DENSE:
                hits = self._store.search(vector, limit, document_ids)
            else:
                hits = self._store.hybrid_search(
                    vector, keywords, limit, document_ids, config.fusion
                )
        return self._resolve(hits)

    def evidence(
        self,
        question: str,
        k: int,
        document_ids: list[str] | None = None,
        vector: list[float] | None = None,
        with_text: bool = True,
    ) -> list[EvidenceUnit]:
        """The top `k` evidence units (whole pages or short spans) for the question."""
        config = self.config
        ranked = self.rank_chunks(question, max(config.chunks, k), document_ids, vector)
        units = build_units(ranked, k, config.max_span, config.aggregate)
        return fill_text(self._catalogue, units) if with_text else units

    def _resolve(self, hits: list[Hit]) -> list[RankedChunk]:
        chunks = self._catalogue.chunks(hit.id for hit in hits)
        return [RankedChunk(chunks[h.id], h.score) for h in hits if h.id in chunks]
