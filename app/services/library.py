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
    """Rebuild the vector index from the catalogue alone (no files read).

    The new index is built beside the live one, which goes on answering other processes'
    questions, and replaces it in one step at the end (`Workspace.rebuilt_store`); a killed
    reindex leaves the live index and every status as they were. Documents a reindex of
    an older release left `indexing` are rebuilt too.
    """
    with ingest_lock(workspace):
        catalogue = workspace.catalogue
        catalogue.require_sound("reindex")  # before any state changes
        todo = [
            info
            for status in (READY, SEARCHABLE, INDEXING)
            for info in catalogue.with_status(status)
        ]
        chunks = 0
        with workspace.rebuilt_store() as building:
            for number, info in enumerate(todo, start=1):
                chunks += reindex_document(workspace, building, info.id)
                if progress:
                    progress(number, len(todo), info.name)
        workspace.record_recipe()
        for info in todo:  # dense vectors now in the live index, for searchable ones too
            catalogue.mark_ready(info.id)
        return {"documents": len(todo), "chunks": chunks, "points": workspace.store.count()}
