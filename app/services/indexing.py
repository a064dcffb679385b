"""Writing documents into the index so that a crash at any moment is harmless.

The order is what makes it safe: the catalogue row (pages, chunks) is written in one
transaction with status `ingesting`; points are upserted by deterministic id with their
BM25 vectors (cheap: no model) and the row is marked `searchable`, so questions can
already reach the document; then the same points are overwritten with their dense
vectors too, and only then is the row marked `ready`. Removing goes the other way: mark
`removing`, delete points, delete the row. `recover` runs before every ingest and
finishes whatever a killed run left half-done (a `searchable` document keeps its points
and gets its dense vectors in the next run), so running the same command again ends
where an uninterrupted run would.
"""

from __future__ import annotations

import logging
import os
import signal

from app.services.ports import Indexing
from ingestion.pipeline import embedding_text
from ingestion.records import Chunk, DocumentMeta, ParsedDocument
from ingestion.yielding import wait_for_questions
from retrieval.catalogue import INGESTING, REMOVING, SEARCHABLE, Catalogue, StoredChunk, chunk_id
from retrieval.key_figures.extract import extract_figures
from retrieval.storage.figure_store import FigureStore
from retrieval.store import IndexedPoint, VectorStore

log = logging.getLogger(__name__)

CRASH_ENV = "ARCHIVIST_CRASH_AT"  # test hook: "point" or "point:n" kills -9 at that point
_crash_counts: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Fault injection for the crash-safety test: SIGKILL this process at a named point."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _crash_counts[name] = _crash_counts.get(name, 0) + 1
    if _crash_counts[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def payload(doc_id: str, name: str, chunk: Chunk | StoredChunk) -> dict[str, object]:
    """What a hit needs to become evidence; the document's metadata stays in the catalogue."""
    return {
        "document_id": doc_id,
        "document_name": name,
        "ordinal": chunk.ordinal,
        "first_page": chunk.first_page,
        "last_page": chunk.last_page,
        "section": chunk.section,
        "kind": chunk.kind,
    }


def _as_chunk(stored: StoredChunk) -> Chunk:
    return Chunk(
        stored.ordinal,
        stored.text,
        stored.first_page,
        stored.last_page,
        stored.start_char,
        stored.end_char,
        stored.section,
        stored.kind,
    )


KEYWORD_BATCH = 512  # BM25-only points per upsert (no model to wait for)
DENSE_BATCH = 64  # points per upsert once embedded (each upsert is flushed to disk)


def write_points(
    workspace: Indexing,
    doc_id: str,
    name: str,
    meta: DocumentMeta,
    chunks: list[Chunk],
    dense: bool = True,
    store: VectorStore | None = None,
) -> None:
    """Upsert the document's points (into `store`, default the workspace's index);
    `dense=False` writes their BM25 vectors alone."""
    store = store or workspace.store
    batch_size = DENSE_BATCH if dense else KEYWORD_BATCH
    for start in range(0, len(chunks), batch_size):
        batch = chunks[start : start + batch_size]
        if dense:
            wait_for_questions(workspace.home)  # a question being answered comes first
        vectors: list[list[float] | None] = (
            list(workspace.embedder.embed([embedding_text(name, meta, c) for c in batch]))
            if dense
            else [None] * len(batch)
        )
        store.upsert(
            [
                IndexedPoint(
                    id=chunk_id(doc_id, c.ordinal),
                    dense=vector,
                    text=c.text,
                    payload=payload(doc_id, name, c),
                )
                for c, vector in zip(batch, vectors, strict=True)
            ]
        )
        crash_point("mid_upsert")


def store_figures(
    catalogue: Catalogue, doc_id: str, pages: dict[int, str], meta: DocumentMeta
) -> int:
    """The document's key figures, read from its statement pages; a filing the extractor
    cannot read keeps none and is ingested all the same."""
    try:
        return FigureStore(catalogue).replace(doc_id, extract_figures(doc_id, pages, meta))
    except Exception:  # noqa: BLE001 - figures are a bonus, never a reason to fail an ingest
        log.warning("key figures of %s not extracted", doc_id, exc_info=True)
        return 0


def index_document(workspace: Indexing, doc: ParsedDocument) -> str:
    """Phase one: pages and chunks in the catalogue, BM25 points in the index; the
    document is `searchable` when it returns. `embed_document` finishes it."""
    catalogue, store = workspace.catalogue, workspace.store
    doc_id = catalogue.begin_document(doc)
    crash_point("after_begin")
    store_figures(catalogue, doc_id, {p.index: p.text for p in doc.pages}, doc.meta)
    store.delete_document(doc_id)  # points a killed run may have left
    write_points(workspace, doc_id, doc.name, doc.meta, doc.chunks, dense=False)
    crash_point("before_searchable")
    catalogue.set_status(doc_id, SEARCHABLE)
    crash_point("after_searchable")
    return doc_id


def embed_document(workspace: Indexing, doc_id: str) -> int:
    """Phase two: overwrite a searchable document's points with dense + BM25 vectors
    (from the catalogue's chunks, so a later run can finish what a killed one began),
    then mark it `ready`. Returns the number of chunks."""
    info = workspace.catalogue.get(doc_id)
    if info is None or info.status != SEARCHABLE:
        return 0
    chunks = [_as_chunk(c) for c in workspace.catalogue.document_chunks(doc_id)]
    write_points(workspace, doc_id, info.name, info.meta, chunks)
    crash_point("before_ready")
    workspace.catalogue.mark_ready(doc_id)
    crash_point("after_ready")
    return len(chunks)


def reindex_document(workspace: Indexing, store: VectorStore, doc_id: str) -> int:
    """Write a document's points into `store` (an index being rebuilt) from the catalogue."""
    info = workspace.catalogue.get(doc_id)
    if info is None:
        return 0
    chunks = [_as_chunk(c) for c in workspace.catalogue.document_chunks(doc_id)]
    store_figures(workspace.catalogue, doc_id, workspace.catalogue.pages(doc_id), info.meta)
    store.delete_document(doc_id)
    write_points(workspace, doc_id, info.name, info.meta, chunks, store=store)
    return len(chunks)


def remove_document(catalogue: Catalogue, store: VectorStore, doc_id: str) -> None:
    catalogue.set_status(doc_id, REMOVING)
    crash_point("removing")
    store.delete_document(doc_id)
    catalogue.remove(doc_id)


def retire_other_versions(
    catalogue: Catalogue, store: VectorStore, path: str, keep: str
) -> list[str]:
    """A changed file replaces its old version only after the new one is ready."""
    retired = []
    for info in catalogue.at_path(path):
        if info.id != keep:
            remove_document(catalogue, store, info.id)
            retired.append(info.id)
    return retired


def recover(catalogue: Catalogue, store: VectorStore) -> int:
    """Finish what a killed run left: half-written documents and orphan points go."""
    cleaned = 0
    for status in (INGESTING, REMOVING):
        for info in catalogue.with_status(status):
            store.delete_document(info.id)
            catalogue.remove(info.id)
            cleaned += 1
    known = {d.id for d in catalogue.documents()}
    for orphan in store.document_ids() - known:
        store.delete_document(orphan)
        cleaned += 1
    return cleaned
