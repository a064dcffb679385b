"""Ingest files: read pages, chunk, embed, index, then mark the document ready."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import InputError
from app.workspace import Workspace
from ingestion.chunker import chunk_pages
from ingestion.errors import IngestError
from ingestion.readers import SUPPORTED_SUFFIXES, file_sha256, read_document
from retrieval.catalogue import READY, chunk_id
from retrieval.store import IndexedPoint

EMBED_BATCH = 64


@dataclass
class IngestReport:
    ingested: list[dict[str, object]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"ingested": self.ingested, "skipped": self.skipped, "rejected": self.rejected}


Progress = Callable[[str], None]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and supported files under given folders; a missing path is an error."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"no such file or folder: {path}")
    return files


def ingest(
    workspace: Workspace, paths: Iterable[Path], progress: Progress | None = None
) -> IngestReport:
    report = IngestReport()
    files = expand_paths(paths)
    for number, path in enumerate(files, start=1):
        if progress:
            progress(f"[{number}/{len(files)}] {path.name}")
        try:
            existing = workspace.catalogue.find_by_sha(file_sha256(path))
            if existing and existing.status == READY:
                report.skipped.append({"path": str(path), "reason": "already ingested"})
                continue
            report.ingested.append(_ingest_one(workspace, path))
        except IngestError as exc:
            report.rejected.append({"path": str(path), "reason": str(exc)})
        except OSError as exc:
            report.rejected.append({"path": str(path), "reason": f"{path}: {exc.strerror}"})
    return report


def _ingest_one(workspace: Workspace, path: Path) -> dict[str, object]:
    settings = workspace.settings
    doc = read_document(path)
    chunks = chunk_pages(doc.pages, settings.chunk_words, settings.chunk_overlap)
    catalogue, store = workspace.catalogue, workspace.store
    doc_id = catalogue.begin_document(doc, chunks)
    store.delete_document(doc_id)  # leftovers of an interrupted run
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start : start + EMBED_BATCH]
        vectors = workspace.embedder.embed([c.text for c in batch])
        store.upsert(
            [
                IndexedPoint(
                    id=chunk_id(doc.sha256, c.ordinal),
                    dense=vector,
                    text=c.text,
                    payload={
                        "document_id": doc_id,
                        "first_page": c.first_page,
                        "last_page": c.last_page,
                    },
                )
                for c, vector in zip(batch, vectors, strict=True)
            ]
        )
    catalogue.mark_ready(doc_id)
    return {"path": str(path), "name": doc.name, "pages": doc.page_count, "chunks": len(chunks)}
