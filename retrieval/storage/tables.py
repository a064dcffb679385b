"""The catalogue's tables as the code reads and writes them: one SQLAlchemy `Base`.

`catalogue.py` (documents, pages, chunks), `figure_store.py` (key figures),
`history_store.py` (chat turns) and `summary_store.py` (summary checkpoints) map their rows
here, so a catalogue is one database. These classes describe the schema after the last
migration; they never create it: `migrations.py` does, one recorded step at a time, so a
workspace written by an older release is brought up to this shape instead of being
half-matched by `create_all`.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
    company: Mapped[str] = mapped_column(String(200), default="", index=True)
    form_type: Mapped[str] = mapped_column(String(16), default="", index=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    fiscal_period: Mapped[str] = mapped_column(String(16), default="", index=True)
    doc_date: Mapped[str] = mapped_column(String(10), default="")
    text_chars: Mapped[int] = mapped_column(Integer, default=0)  # non-blank pages' characters


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
    section: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="text")


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40), index=True)


class TurnRow(Base):
    __tablename__ = "conversation_turns"
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    record: Mapped[str] = mapped_column(Text)  # the turn as JSON
    created_at: Mapped[str] = mapped_column(String(40))


class SummaryStepRow(Base):
    """One finished step of a summary, with the tokens it cost, so a resumed summary still
    reports every run's tokens."""

    __tablename__ = "summary_steps"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    output: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)


class SummaryRow(Base):
    __tablename__ = "summaries"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    record: Mapped[str] = mapped_column(Text)  # the JSON record
    markdown: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class FigureRow(Base):
    """One value of a primary statement's line item (`retrieval.key_figures.records`)."""

    __tablename__ = "key_figures"
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    page: Mapped[int] = mapped_column(Integer, primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    column: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(Text)
    item: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(16))
    period_end: Mapped[str] = mapped_column(String(10))
    header: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    scale: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
