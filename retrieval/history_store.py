"""Chat history in the catalogue database, so the last conversation reopens with the app.

Each turn is one JSON record (question, answer, reasoning, sources, usage): the history is
read back whole and never queried by field, so a column per field would only add migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from retrieval.catalogue import Catalogue
from retrieval.catalogue_tables import Base


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class HistoryStore:
    def __init__(self, catalogue: Catalogue) -> None:
        """A repository in the catalogue's database (the same metadata and connection)."""
        self._engine = catalogue.engine
        Base.metadata.create_all(self._engine)

    def create(self, conversation_id: str, title: str) -> None:
        now = _now()
        with Session(self._engine) as session, session.begin():
            session.add(
                ConversationRow(id=conversation_id, title=title, created_at=now, updated_at=now)
            )

    def append(self, conversation_id: str, record: str) -> int:
        """Add a turn at the end; returns its ordinal."""
        now = _now()
        with Session(self._engine) as session, session.begin():
            last = session.scalar(
                select(func.max(TurnRow.ordinal)).where(TurnRow.conversation_id == conversation_id)
            )
            ordinal = 0 if last is None else int(last) + 1
            session.add(
                TurnRow(
                    conversation_id=conversation_id, ordinal=ordinal, record=record, created_at=now
                )
            )
            row = session.get(ConversationRow, conversation_id)
            if row is not None:
                row.updated_at = now
        return ordinal

    def latest(self) -> str | None:
        """The conversation touched last."""
        with Session(self._engine) as session:
            query = select(ConversationRow.id).order_by(ConversationRow.updated_at.desc())
            return session.scalars(query.limit(1)).first()

    def turns(self, conversation_id: str) -> list[str]:
        with Session(self._engine) as session:
            rows = session.scalars(
                select(TurnRow.record)
                .where(TurnRow.conversation_id == conversation_id)
                .order_by(TurnRow.ordinal)
            )
            return list(rows)
