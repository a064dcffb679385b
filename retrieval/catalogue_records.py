"""What the catalogue hands out: a document's status, its row, its stored chunks.

Plain records with no SQL, so the services, the UI and the tests read them without the
database (`retrieval/catalogue.py` is the repository that fills them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ingestion.records import DocumentMeta

CHUNK_NAMESPACE = uuid.UUID("5b0c8f0e-8d7a-4a36-9c49-2f1f1c3b7a11")


class Status(StrEnum):
    """A document's place in its life; the values are what the catalogue stores."""

    INGESTING = "ingesting"  # pages and chunks stored, points being written
    SEARCHABLE = "searchable"  # every point has its BM25 vector; dense vectors still to come
    READY = "ready"  # every point also has its dense vector
    INDEXING = "indexing"  # reindex is rewriting this document's points from the catalogue
    REMOVING = "removing"  # being deleted (replaced or `docs rm`); recovery finishes it
    REJECTED = "rejected"  # the sandbox refused the file; `reason` says why


# The members under their old names, for the many modules that import them.
INGESTING, SEARCHABLE, READY = Status.INGESTING, Status.SEARCHABLE, Status.READY
INDEXING, REMOVING, REJECTED = Status.INDEXING, Status.REMOVING, Status.REJECTED
ASKABLE = (READY, SEARCHABLE)  # the statuses questions may search


def chunk_id(document_sha256: str, ordinal: int) -> str:
    """Deterministic, so re-ingesting the same file writes the same points."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{document_sha256}:{ordinal}"))


@dataclass(frozen=True)
class DocumentInfo:
    """A catalogue row: what the document is (`meta`, which carries its id and name, decided
    at ingest) and where it stands (file, status, counts)."""

    meta: DocumentMeta
    path: str
    sha256: str
    status: Status
    reason: str
    page_count: int
    chunk_count: int
    added_at: str
    text_chars: int = 0  # characters of its non-blank pages (an upper bound on tokens x 8)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def name(self) -> str:
        return self.meta.name

    def as_dict(self) -> dict[str, Any]:
        """One flat record for `--json` (the shape the CLI has always printed)."""
        fields = {k: v for k, v in self.__dict__.items() if k not in ("meta", "text_chars")}
        return {"id": self.id, "name": self.name, **fields, **self.meta.as_dict()}


@dataclass(frozen=True)
class StoredChunk:
    id: str
    document_id: str
    document_name: str
    first_page: int
    last_page: int
    start_char: int
    end_char: int
    text: str
    section: str = ""
    ordinal: int = 0
    kind: str = "text"
