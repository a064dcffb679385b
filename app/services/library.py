"""Library maintenance: remove a document everywhere, rebuild the index from the catalogue."""

from __future__ import annotations

from collections.abc import Callable

from app.errors import InputError
from app.services.indexing import reindex_document, remove_document
from app.services.ingest import ingest_lock
from app.services.ports import Reindexing, Removing
from retrieval.catalogue import INDEXING, READY, SEARCHABLE, DocumentInfo


def remove(workspace: Removing, key: str) -> DocumentInfo:
    """`key` is a document id (or 8+ character prefix), name or path."""
    matches = workspace.catalogue.find(key)
    if not matches:
        raise InputError(f"no document matches '{key}' (see: archivist docs list)")
    if len(matches) > 1:
        names = ", ".join(f"{d.name} ({d.id[:12]})" for d in matches)
        raise InputError(f"'{key}' matches several documents: {names}; give the id")
    with ingest_lock(workspace):
        remove_document(workspace.catalogue, workspace.store, matches[0].id)
    return matches[0]


def reindex(
    workspace: Reindexing, progress: Callable[[int, int, str], None] | None = None
) -> dict[str, int]:
    """Empty the vector index and rebuild it from the catalogue alone (no files read).

    Documents are flipped to `indexing` first and back to `ready` one by one, so a killed
    reindex leaves the unfinished ones visibly `indexing`; running it again completes it.
    """
    with ingest_lock(workspace):
        catalogue = workspace.catalogue
        catalogue.require_sound("reindex")  # before any state changes
        catalogue.mark_all(READY, INDEXING)
        catalogue.mark_all(SEARCHABLE, INDEXING)  # its dense vectors come with the rest
        workspace.reset_store()
        workspace.record_recipe()
        todo = catalogue.with_status(INDEXING)
        chunks = 0
        for number, info in enumerate(todo, start=1):
            chunks += reindex_document(workspace, info.id)
            if progress:
                progress(number, len(todo), info.name)
        return {"documents": len(todo), "chunks": chunks, "points": workspace.store.count()}
