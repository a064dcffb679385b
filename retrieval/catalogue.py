"""The catalogue: documents, their pages and chunks, in SQL (SQLite by default).

It is the source of truth; the vector index can be rebuilt from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ingestion.records import Chunk, ParsedDocument

CHUNK_NAMESPACE = uuid.UUID("5b0c8f0e-8d7a-4a36-9c49-2f1f1c3b7a11")

READY = "ready"
INGESTING = "ingesting"
REJECTED = "rejected"


def chunk_id(document_sha256: str, ordinal: int) -> str:
    """Deterministic, so re-ingesting the same file writes the same points."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{document_sha256}:{ordinal}"))


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[str] = mapped_column(String(40))


class PageRow(Base):
    __tablename__ = "pages"
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class ChunkRow(Base):
    __tablename__ = "chunks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    first_page: Mapped[int] = mapped_column(Integer)
    last_page: Mapped[int] = mapped_column(Integer)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


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
        Base.metadata.create_all(self.engine)

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

    def begin_document(self, doc: ParsedDocument, chunks: list[Chunk]) -> str:
        """Store pages and chunks with status `ingesting`; `mark_ready` after indexing."""
        doc_id = doc.sha256
        with Session(self.engine) as session, session.begin():
            session.execute(delete(DocumentRow).where(DocumentRow.id == doc_id))
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
                    added_at=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )
            session.flush()
            session.add_all(
                PageRow(document_id=doc_id, index=p.index, label=p.label, text=p.text)
                for p in doc.pages
            )
            session.add_all(_chunk_row(doc_id, doc.sha256, chunk) for chunk in chunks)
        return doc_id

    def mark_ready(self, doc_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DocumentRow, doc_id)
            if row is not None:
                row.status = READY

    def remove(self, doc_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(ChunkRow).where(ChunkRow.document_id == doc_id))
            session.execute(delete(PageRow).where(PageRow.document_id == doc_id))
            session.execute(delete(DocumentRow).where(DocumentRow.id == doc_id))

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
            return {
                c.id: StoredChunk(
                    c.id,
                    c.document_id,
                    name,
                    c.first_page,
                    c.last_page,
                    c.start_char,
                    c.end_char,
                    c.text,
                )
                for c, name in rows
            }

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


def _chunk_row(doc_id: str, sha256: str, chunk: Chunk) -> ChunkRow:
    return ChunkRow(
        id=chunk_id(sha256, chunk.ordinal),
        document_id=doc_id,
        ordinal=chunk.ordinal,
        first_page=chunk.first_page,
        last_page=chunk.last_page,
        start_char=chunk.start_char,
        end_char=chunk.end_char,
        text=chunk.text,
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
    )
