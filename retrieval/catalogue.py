"""The catalogue: documents, their pages and chunks, in SQL (SQLite or PostgreSQL).

It is the source of truth; the vector index can be rebuilt from it. A document is
`ingesting` while its points are being written, `searchable` once every point is durable
with its BM25 vector (it can be asked about; its dense vectors are still to come) and
`ready` only after every point also has its dense vector, so a crash leaves nothing
marked searchable or ready that is not indexed that far; `rejected` rows record files
the sandbox refused, with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session

from ingestion.records import Chunk, DocumentMeta, ParsedDocument
from retrieval.catalogue_tables import Base, ChunkRow, DocumentRow, PageRow
from retrieval.integrity import CATALOGUE_FIX, CatalogueDamagedError

CHUNK_NAMESPACE = uuid.UUID("5b0c8f0e-8d7a-4a36-9c49-2f1f1c3b7a11")

READY = "ready"
SEARCHABLE = "searchable"  # every point has its BM25 vector; dense vectors still to come
ASKABLE = (READY, SEARCHABLE)  # the statuses questions may search
INGESTING = "ingesting"  # pages and chunks stored, points being written
INDEXING = "indexing"  # reindex is rewriting this document's points from the catalogue
REMOVING = "removing"  # being deleted (replaced or `docs rm`); recovery finishes it
REJECTED = "rejected"


def chunk_id(document_sha256: str, ordinal: int) -> str:
    """Deterministic, so re-ingesting the same file writes the same points."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{document_sha256}:{ordinal}"))


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    name: str
    path: str
    sha256: str
    status: str
    reason: str
    page_count: int
    chunk_count: int
    added_at: str
    company: str = ""
    form_type: str = ""
    fiscal_year: int | None = None
    fiscal_period: str = ""
    doc_date: str = ""

    @property
    def meta(self) -> DocumentMeta:
        return DocumentMeta(
            self.company, self.form_type, self.fiscal_year, self.fiscal_period, self.doc_date
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Catalogue:
    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError:
            raise  # a server that is down, a read-only folder: not damage (app/errors.py)
        except DatabaseError as exc:  # a truncated or overwritten file: say what to do
            reason = str(exc.orig).splitlines()[0] if exc.orig else "unreadable"
            raise CatalogueDamagedError(
                f"the catalogue cannot be read ({reason}): {CATALOGUE_FIX}"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    def find_by_sha(self, sha256: str) -> DocumentInfo | None:
        with Session(self.engine) as session:
            row = session.scalars(select(DocumentRow).where(DocumentRow.sha256 == sha256)).first()
            return _info(row) if row else None

    def documents(self) -> list[DocumentInfo]:
        with Session(self.engine) as session:
            rows = session.scalars(select(DocumentRow).order_by(DocumentRow.name))
            return [_info(row) for row in rows]

    def ready_count(self) -> int:
        with Session(self.engine) as session:
            query = select(func.count()).select_from(DocumentRow)
            return int(session.scalar(query.where(DocumentRow.status == READY)) or 0)

    def health(self) -> tuple[int, dict[str, int]]:
        """For `doctor`: chunks of askable documents, and documents left mid-ingest,
        mid-reindex or without dense vectors, by status; raises when unreadable."""
        with Session(self.engine) as session:
            joined = select(func.count()).select_from(ChunkRow).join(DocumentRow)
            chunks = session.scalar(joined.where(DocumentRow.status.in_(ASKABLE))) or 0
            stuck = select(func.count()).select_from(DocumentRow)
            left = {
                status: int(session.scalar(stuck.where(DocumentRow.status == status)) or 0)
                for status in (INGESTING, INDEXING, SEARCHABLE)
            }
        return int(chunks), left

    def askable_count(self) -> int:
        """Documents questions can search (ready, or searchable while dense vectors come)."""
        with Session(self.engine) as session:
            query = select(func.count()).select_from(DocumentRow)
            return int(session.scalar(query.where(DocumentRow.status.in_(ASKABLE))) or 0)

    def get(self, doc_id: str) -> DocumentInfo | None:
        with Session(self.engine) as session:
            row = session.get(DocumentRow, doc_id)
            return _info(row) if row else None

    def find(self, key: str) -> list[DocumentInfo]:
        """Documents whose id, id prefix (8+ characters), name or path is `key`."""
        condition = (DocumentRow.id == key) | (DocumentRow.name == key) | (DocumentRow.path == key)
        if len(key) >= 8:
            condition = condition | DocumentRow.id.startswith(key)
        with Session(self.engine) as session:
            return [_info(row) for row in session.scalars(select(DocumentRow).where(condition))]

    def at_path(self, path: str) -> list[DocumentInfo]:
        with Session(self.engine) as session:
            rows = session.scalars(select(DocumentRow).where(DocumentRow.path == path))
            return [_info(row) for row in rows]

    def with_status(self, status: str) -> list[DocumentInfo]:
        with Session(self.engine) as session:
            rows = session.scalars(select(DocumentRow).where(DocumentRow.status == status))
            return [_info(row) for row in rows]

    def begin_document(self, doc: ParsedDocument, chunks: list[Chunk] | None = None) -> str:
        """Store pages and chunks with status `ingesting`; `mark_ready` after indexing.

        One transaction: a crash leaves either no row or a complete `ingesting` one.
        """
        chunks = doc.chunks if chunks is None else chunks
        doc_id = doc.sha256
        meta = doc.meta
        with Session(self.engine) as session, session.begin():
            self._delete(session, doc_id)
            session.add(
                DocumentRow(
                    id=doc_id,
                    name=doc.name,
                    path=str(doc.path),
                    sha256=doc.sha256,
                    status=INGESTING,
                    reason="",
                    page_count=doc.page_count,
                    chunk_count=len(chunks),
                    added_at=_now(),
                    company=meta.company,
                    form_type=meta.form_type,
                    fiscal_year=meta.fiscal_year,
                    fiscal_period=meta.fiscal_period,
                    doc_date=meta.doc_date,
                )
            )
            session.flush()
            session.execute(
                insert(PageRow),
                [
                    {"document_id": doc_id, "index": p.index, "label": p.label, "text": p.text}
                    for p in doc.pages
                ],
            )
            if chunks:
                session.execute(insert(ChunkRow), [_chunk_row(doc_id, c) for c in chunks])
        return doc_id

    def record_rejected(self, path: str, sha256: str, reason: str) -> str:
        """A file the sandbox refused: listed with its reason, never indexed."""
        with Session(self.engine) as session, session.begin():
            self._delete(session, sha256)
            session.add(
                DocumentRow(
                    id=sha256,
                    name=path.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    path=path,
                    sha256=sha256,
                    status=REJECTED,
                    reason=reason,
                    page_count=0,
                    chunk_count=0,
                    added_at=_now(),
                )
            )
        return sha256

    def mark_ready(self, doc_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DocumentRow, doc_id)
            if row is not None:
                row.status = READY

    def set_status(self, doc_id: str, status: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DocumentRow, doc_id)
            if row is not None:
                row.status = status

    def mark_all(self, from_status: str, to_status: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(DocumentRow)
                .where(DocumentRow.status == from_status)
                .values(status=to_status)
            )

    def remove(self, doc_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            self._delete(session, doc_id)

    @staticmethod
    def _delete(session: Session, doc_id: str) -> None:
        session.execute(delete(ChunkRow).where(ChunkRow.document_id == doc_id))
        session.execute(delete(PageRow).where(PageRow.document_id == doc_id))
        session.execute(delete(DocumentRow).where(DocumentRow.id == doc_id))

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """All chunks of one document in order: what reindex re-embeds."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(ChunkRow, DocumentRow.name)
                .join(DocumentRow, DocumentRow.id == ChunkRow.document_id)
                .where(ChunkRow.document_id == doc_id)
                .order_by(ChunkRow.ordinal)
            )
            return [_stored(c, name) for c, name in rows]

    def page_labels(self, doc_id: str) -> dict[int, str]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(PageRow.index, PageRow.label).where(PageRow.document_id == doc_id)
            )
            return {int(index): str(label) for index, label in rows}

    def chunks(self, ids: Iterable[str]) -> dict[str, StoredChunk]:
        ids = list(ids)
        if not ids:
            return {}
        with Session(self.engine) as session:
            rows = session.execute(
                select(ChunkRow, DocumentRow.name)
                .join(DocumentRow, DocumentRow.id == ChunkRow.document_id)
                .where(ChunkRow.id.in_(ids))
            )
            return {c.id: _stored(c, name) for c, name in rows}

    def page_text(self, doc_id: str, index: int) -> str | None:
        with Session(self.engine) as session:
            row = session.get(PageRow, (doc_id, index))
            return row.text if row else None

    def pages(self, doc_id: str, indexes: Iterable[int] | None = None) -> dict[int, str]:
        """Page texts of one document by zero-based index (all pages when none are named)."""
        with Session(self.engine) as session:
            query = select(PageRow.index, PageRow.text).where(PageRow.document_id == doc_id)
            if indexes is not None:
                query = query.where(PageRow.index.in_(list(indexes)))
            return {index: text for index, text in session.execute(query.order_by(PageRow.index))}

    def page_label(self, doc_id: str, index: int) -> str | None:
        with Session(self.engine) as session:
            row = session.get(PageRow, (doc_id, index))
            return row.label if row else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _chunk_row(doc_id: str, chunk: Chunk) -> dict[str, Any]:
    return {
        "id": chunk_id(doc_id, chunk.ordinal),
        "document_id": doc_id,
        "ordinal": chunk.ordinal,
        "first_page": chunk.first_page,
        "last_page": chunk.last_page,
        "start_char": chunk.start_char,
        "end_char": chunk.end_char,
        "text": chunk.text,
        "section": chunk.section,
        "kind": chunk.kind,
    }


def _stored(c: ChunkRow, name: str) -> StoredChunk:
    return StoredChunk(
        c.id,
        c.document_id,
        name,
        c.first_page,
        c.last_page,
        c.start_char,
        c.end_char,
        c.text,
        c.section,
        c.ordinal,
        c.kind,
    )


def _info(row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(
        row.id,
        row.name,
        row.path,
        row.sha256,
        row.status,
        row.reason,
        row.page_count,
        row.chunk_count,
        row.added_at,
        row.company or "",
        row.form_type or "",
        row.fiscal_year,
        row.fiscal_period or "",
        row.doc_date or "",
    )
