"""Chat history in the catalogue database, so the last conversation reopens with the app.

Each turn is one JSON record (question, answer, reasoning, sources, usage): the history is
read back whole and never queried by field, so it needs no column per field.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retrieval.catalogue import Catalogue
from retrieval.storage.tables import ConversationRow, TurnRow


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class HistoryStore:
    def __init__(self, catalogue: Catalogue) -> None:
        """A repository in the catalogue's database (its connection; its schema is the
        catalogue's, migrated when the catalogue opened)."""
        self._engine = catalogue.engine

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
