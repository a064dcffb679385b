"""Search: dense and BM25 candidates fused in the engine, then grouped into evidence units.

Each choice here was measured on the FinanceBench dev split with `archivist eval
retrieval` (figures in bench/RESULTS.md); the defaults are the ones that scored best, not the
ones that sound best.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from ingestion.embedder import Embedder
from retrieval.catalogue import ASKABLE, SEARCHABLE, Catalogue, DocumentInfo, StoredChunk
from retrieval.evidence import PageReader, RankedChunk, build_units, pages_of, read_units
from retrieval.passages import NEAR
from retrieval.question import Question
from retrieval.statements import Statement, statement_pages
from retrieval.store import Fusion, VectorStore
from retrieval.types import Evidence, PageTexts

_STATEMENTS: dict[str, dict[Statement, list[int]]] = {}
_STATEMENTS_KEPT = 1024  # documents; each entry is a few page numbers


class Method(StrEnum):
    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class SearchConfig:
    method: Method = Method.DENSE
    fusion: Fusion = field(default_factory=Fusion)
    chunks: int = 40  # ranked chunks grouped into evidence units
    max_span: int = 2  # pages per evidence unit
    aggregate: str = "max"  # unit score: "max" or "sum" of its chunks' scores
    statements: bool = True  # put the statements a question needs first (retrieval/statements.py)
    statement_units: int = 2  # at most this many of them
    statement_documents: int = 3  # only when the scope is this narrow

    @classmethod
    def from_settings(cls, method: str, statements: bool) -> SearchConfig:
        return cls(method=Method(method), statements=statements)


class Retriever:
    def __init__(
        self,
        catalogue: Catalogue,
        store: VectorStore,
        embedder: Embedder,
        config: SearchConfig | None = None,
        documents: list[DocumentInfo] | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._store = store
        self._embedder = embedder
        self.config = config or SearchConfig()
        # The document list the question read (None: read the catalogue's on each use).
        self._documents = documents

    def library(self) -> list[DocumentInfo]:
        return self._documents if self._documents is not None else self._catalogue.documents()

    def rank_chunks(
        self,
        question: str,
        limit: int,
        document_ids: list[str] | None = None,
        vector: list[float] | None = None,
    ) -> list[RankedChunk]:
        """Chunks in rank order; hits the catalogue does not know are never returned."""
        return self._rank(question, limit, document_ids, vector)[0]

    def _rank(
        self,
        question: str,
        limit: int,
        document_ids: list[str] | None,
        vector: list[float] | None,
    ) -> tuple[list[RankedChunk], dict[str, StoredChunk]]:
        """Ranked chunks, and those chunks with their neighbours: one catalogue query."""
        config = self.config
        keywords = question
        method = self.method_for(document_ids)
        if method == Method.BM25:
            hits = self._store.sparse_search(keywords, limit, document_ids)
        else:
            if vector is None:
                [vector] = self._embedder.embed([question])
            if method == Method.DENSE:
                hits = self._store.search(vector, limit, document_ids)
            else:
                hits = self._store.hybrid_search(
                    vector, keywords, limit, document_ids, config.fusion
                )
        chunks = self._catalogue.chunks_near((hit.id for hit in hits), NEAR)
        return [RankedChunk(chunks[h.id], h.score) for h in hits if h.id in chunks], chunks

    def without_dense(self, document_ids: list[str] | None) -> list[DocumentInfo]:
        """Documents in scope (None: the library) still waiting for their dense vectors."""
        return [
            d
            for d in self.library()
            if d.status == SEARCHABLE and (document_ids is None or d.id in document_ids)
        ]

    def method_for(self, document_ids: list[str] | None) -> Method:
        """The configured method, unless documents in scope have no dense vectors yet: then
        BM25 alone when none of them has any, hybrid (dense finds the rest) when some do."""
        method = self.config.method
        pending = self.without_dense(document_ids) if method != Method.BM25 else []
        if not pending:
            return method
        if document_ids is not None and len(pending) >= len(set(document_ids)):
            return Method.BM25
        askable = sum(1 for d in self.library() if d.status in ASKABLE)
        if document_ids is None and len(pending) >= askable:
            return Method.BM25
        return Method.HYBRID

    def evidence(
        self,
        question: Question,
        k: int,
        document_ids: list[str] | None = None,
        vector: list[float] | None = None,
        with_text: bool = True,
        chunks: int | None = None,
        pages: PageReader | None = None,
    ) -> list[Evidence]:
        """The top `k` evidence units (whole pages or short spans) for the question, with
        their text and passages (`with_text`), read with one query for the chunks and one
        for the pages (none for pages `pages` already holds).

        `chunks` ranks more chunks than the configured number, to find more units for a
        large budget; the units the configured number finds keep their rank and span, and
        the further chunks only add units on pages not already covered."""
        config = self.config
        wanted_chunks = max(config.chunks, chunks or 0, k)
        ranked, near = self._rank(question.text, wanted_chunks, document_ids, vector)
        units = build_units(ranked[: max(config.chunks, k)], k, config.max_span, config.aggregate)
        if len(ranked) > max(config.chunks, k) and len(units) < k:
            more = build_units(
                ranked[max(config.chunks, k) :], k, config.max_span, config.aggregate
            )
            units += [u for u in more if not any(_overlap(u, v) for v in units)][: k - len(units)]
        pages = pages or PageReader(self._catalogue)
        wanted = list(question.statements) if config.statements else []
        narrow: list[str] | None = None
        if wanted:
            narrow = document_ids or self._small_library()
            if narrow and len(narrow) > config.statement_documents:
                narrow = None
        # One read: the units' pages, the statement pages already found, and every page
        # of a document whose statement pages are still to be found.
        needed: dict[str, set[int] | None] = dict(pages_of(units)) if with_text else {}
        for doc_id in narrow or ():
            found = _STATEMENTS.get(doc_id)
            if found is None:
                needed[doc_id] = None
            elif with_text:
                listed = {
                    p for s in wanted if (at := found.get(s)) for p in range(at[0], at[-1] + 1)
                }
                needed[doc_id] = (needed.get(doc_id) or set()) | listed
        texts = pages.read(needed) if needed else pages.texts
        if narrow:
            units = self._statements_first(wanted, narrow, units, k, texts)
            if with_text:  # a pinned page found just now is in a document read whole
                texts = pages.read(pages_of(units))
        return read_units(units, texts, near, question.rows) if with_text else units

    def _small_library(self) -> list[str] | None:
        """Every askable document, when there are few enough for the statement step (an
        analyst with one 10-K open need not name the company)."""
        askable = [d.id for d in self.library() if d.status in ASKABLE]
        return askable if len(askable) <= self.config.statement_documents else None

    def _statements_first(
        self,
        wanted: list[Statement],
        document_ids: list[str],
        units: list[Evidence],
        k: int,
        pages: PageTexts,
    ) -> list[Evidence]:
        """The statement pages the question needs, ahead of the searched units (those
        overlapping them are dropped as duplicates); scored just above the best unit."""
        names = {d.id: d.name for d in self.library()}
        pinned: list[Evidence] = []
        for statement in wanted:
            for doc_id in document_ids:
                found = _statement_pages(doc_id, pages)
                at = found.get(statement)
                if at and len(pinned) < self.config.statement_units:
                    pinned.append(Evidence(doc_id, names.get(doc_id, ""), at[0], at[-1], score=0.0))
        if not pinned:
            return units
        top = max((u.score or 0.0 for u in units), default=0.0)
        # The searched chunks on a pinned page are its best chunks (for its passage).
        pinned = [
            replace(
                unit,
                score=top + (len(pinned) - rank) * 1e-6,
                chunk_ids=tuple(i for u in units if _overlap(u, unit) for i in u.chunk_ids),
            )
            for rank, unit in enumerate(pinned)
        ]
        rest = [u for u in units if not any(_overlap(u, p) for p in pinned)]
        return (pinned + rest)[:k]


def _statement_pages(doc_id: str, pages: PageTexts) -> dict[Statement, list[int]]:
    """The document's statement pages, found once per process (from its pages, read whole
    the first time): a document id is its content's hash, so what is found never goes stale."""
    found = _STATEMENTS.get(doc_id)
    if found is None:
        found = statement_pages(pages.get(doc_id, {}))
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.pop(next(iter(_STATEMENTS)))
        _STATEMENTS[doc_id] = found
    return found


def _overlap(a: Evidence, b: Evidence) -> bool:
    return (
        a.document_id == b.document_id
        and a.first_page <= b.last_page
        and b.first_page <= a.last_page
    )
