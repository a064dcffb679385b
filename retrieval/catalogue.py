"""The catalogue: documents, their pages and chunks, in SQL (SQLite or PostgreSQL).

It is the source of truth; the vector index can be rebuilt from it. A document is
`ingesting` while its points are being written, `searchable` once every point is durable
with its BM25 vector (it can be asked about; its dense vectors are still to come) and
`ready` only after every point also has its dense vector, so a crash leaves nothing
marked searchable or ready that is not indexed that far; `rejected` rows record files
the sandbox refused, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ingestion.records import Chunk, DocumentMeta, ParsedDocument, parse_file_name
from retrieval.catalogue_records import (
    ASKABLE,
    INDEXING,
    INGESTING,
    READY,
    REJECTED,
    REMOVING,
    SEARCHABLE,
    DocumentInfo,
    Status,
    StoredChunk,
    chunk_id,
)
from retrieval.storage.checks import catalogue_verdict, require_sound_catalogue
from retrieval.storage.errors import translate
from retrieval.storage.migrations import migrate
from retrieval.storage.tables import ChunkRow, DocumentRow, FigureRow, PageRow

__all__ = [  # the records stay importable from here, where most modules look for them
    "ASKABLE",
    "INDEXING",
    "INGESTING",
    "READY",
    "REJECTED",
    "REMOVING",
    "SEARCHABLE",
    "Catalogue",
    "DocumentInfo",
    "Status",
    "StoredChunk",
    "chunk_id",
]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Catalogue:
    def __init__(self, url: str) -> None:
        """Open (or create) the database and bring its schema up to date; its errors
        arrive as `retrieval.storage.errors` types from here on."""
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        translate(self.engine)
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def integrity(self) -> str:
        """ "ok", or what the database's own integrity check found (never raises)."""
        return catalogue_verdict(self.engine)

    def require_sound(self, action: str) -> None:
        """Refuse `action`, changing nothing, when the integrity check fails."""
        require_sound_catalogue(self.engine, action)

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

    def health(self) -> tuple[int, dict[Status, int]]:
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
            condition = condition | DocumentRow.id.startswith(key, autoescape=True)  # % _ literal
        with Session(self.engine) as session:
            return [_info(row) for row in session.scalars(select(DocumentRow).where(condition))]

    def at_path(self, path: str) -> list[DocumentInfo]:
        with Session(self.engine) as session:
            rows = session.scalars(select(DocumentRow).where(DocumentRow.path == path))
            return [_info(row) for row in rows]

    def with_status(self, status: Status) -> list[DocumentInfo]:
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
                    **meta.as_dict(),
                    text_chars=sum(len(p.text) for p in doc.pages if p.text.strip()),
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
        name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        meta = parse_file_name(name) or DocumentMeta()
        with Session(self.engine) as session, session.begin():
            self._delete(session, sha256)
            session.add(
                DocumentRow(
                    id=sha256,
                    name=name,
                    path=path,
                    sha256=sha256,
                    status=REJECTED,
                    reason=reason,
                    page_count=0,
                    chunk_count=0,
                    added_at=_now(),
                    **meta.as_dict(),
                )
            )
        return sha256

    def mark_ready(self, doc_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DocumentRow, doc_id)
            if row is not None:
                row.status = READY

    def set_status(self, doc_id: str, status: Status) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DocumentRow, doc_id)
            if row is not None:
                row.status = status

    def mark_all(self, from_status: Status, to_status: Status) -> None:
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
        session.execute(delete(FigureRow).where(FigureRow.document_id == doc_id))
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

    # Batched reads: a question reads each chunk and page it uses once, in one query each.

    def chunks_near(self, ids: Iterable[str], near: int) -> dict[str, StoredChunk]:
        """The chunks `ids` and every chunk within `near` places of one in its document,
        in one query: what ranking and passages need. Neighbours come without their text
        (a passage is cut from the stored page by offsets), the chunks `ids` with it."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        hit = select(ChunkRow.document_id, ChunkRow.ordinal).where(ChunkRow.id.in_(ids))
        hits = hit.subquery()
        text = case((ChunkRow.id.in_(ids), ChunkRow.text), else_=literal(""))
        query = (
            select(
                ChunkRow.id,
                ChunkRow.document_id,
                DocumentRow.name,
                ChunkRow.first_page,
                ChunkRow.last_page,
                ChunkRow.start_char,
                ChunkRow.end_char,
                text,
                ChunkRow.section,
                ChunkRow.ordinal,
                ChunkRow.kind,
            )
            .join(DocumentRow, DocumentRow.id == ChunkRow.document_id)
            .join(
                hits,
                and_(
                    ChunkRow.document_id == hits.c.document_id,
                    ChunkRow.ordinal.between(hits.c.ordinal - near, hits.c.ordinal + near),
                ),
            )
        )
        with Session(self.engine) as session:
            return {row[0]: StoredChunk(*row) for row in session.execute(query)}

    def page_texts(self, wanted: Mapping[str, Iterable[int] | None]) -> dict[str, dict[int, str]]:
        """Pages of several documents in one query, by document id then zero-based index:
        the pages named, or every page of a document mapped to None."""
        conditions = [
            PageRow.document_id == doc_id
            if indexes is None
            else and_(PageRow.document_id == doc_id, PageRow.index.in_(list(indexes)))
            for doc_id, indexes in wanted.items()
            if indexes is None or indexes
        ]
        out: dict[str, dict[int, str]] = {doc_id: {} for doc_id in wanted}
        if not conditions:
            return out
        query = select(PageRow.document_id, PageRow.index, PageRow.text).where(or_(*conditions))
        with Session(self.engine) as session:
            for doc_id, index, text in session.execute(query.order_by(PageRow.index)):
                out[doc_id][index] = text
        return out


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
    meta = DocumentMeta(
        row.company or "",
        row.form_type or "",
        row.fiscal_year,
        row.fiscal_period or "",
        row.doc_date or "",
        id=row.id,
        name=row.name,
    )
    return DocumentInfo(
        meta,
        row.path,
        row.sha256,
        Status(row.status),
        row.reason,
        row.page_count,
        row.chunk_count,
        row.added_at,
        row.text_chars,
    )
