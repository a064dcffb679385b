"""Summary checkpoints in the catalogue database, so a killed batch resumes where it stopped.

Keyed by document, model hash and mode: a different model or mode starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from retrieval.catalogue import Catalogue
from retrieval.catalogue_tables import Base


class SummaryStepRow(Base):
    __tablename__ = "summary_steps"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    output: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class SummaryStepUsageRow(Base):
    """Tokens a step cost, so a resumed summary still reports every run's tokens.

    Its own table (not columns on `summary_steps`): `create_all` adds a missing table to an
    existing catalogue, never a missing column.
    """

    __tablename__ = "summary_step_usage"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)


class SummaryRow(Base):
    __tablename__ = "summaries"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    record: Mapped[str] = mapped_column(Text)  # the JSON record
    markdown: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SummaryStore:
    def __init__(self, catalogue: Catalogue) -> None:
        """A repository in the catalogue's database (the same metadata and connection)."""
        self._engine = catalogue.engine
        Base.metadata.create_all(self._engine)

    def step(self, document_id: str, run_key: str, step: str) -> str | None:
        with Session(self._engine) as session:
            row = session.get(SummaryStepRow, (document_id, run_key, step))
            return row.output if row else None

    def step_tokens(self, document_id: str, run_key: str, step: str) -> tuple[int, int]:
        """(prompt, completion) tokens the saved step cost; (0, 0) when not recorded."""
        with Session(self._engine) as session:
            row = session.get(SummaryStepUsageRow, (document_id, run_key, step))
            return (row.prompt_tokens, row.completion_tokens) if row else (0, 0)

    def _merge(self, rows: Callable[[], list[Base]]) -> None:
        """Insert or replace; when another process inserted the same row between our read
        and our write (two summaries of one document at once), the second try replaces it."""
        for attempt in (1, 2):
            try:
                with Session(self._engine) as session, session.begin():
                    for row in rows():
                        session.merge(row)
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    def save_step(
        self,
        document_id: str,
        run_key: str,
        step: str,
        output: str,
        tokens: tuple[int, int] = (0, 0),
    ) -> None:
        self._merge(
            lambda: [
                SummaryStepRow(
                    document_id=document_id,
                    run_key=run_key,
                    step=step,
                    output=output,
                    created_at=_now(),
                ),
                SummaryStepUsageRow(
                    document_id=document_id,
                    run_key=run_key,
                    step=step,
                    prompt_tokens=tokens[0],
                    completion_tokens=tokens[1],
                ),
            ]
        )

    def finished(self, document_id: str, run_key: str) -> tuple[str, str] | None:
        with Session(self._engine) as session:
            row = session.get(SummaryRow, (document_id, run_key))
            return (row.record, row.markdown) if row else None

    def save_finished(self, document_id: str, run_key: str, record: str, markdown: str) -> None:
        self._merge(
            lambda: [
                SummaryRow(
                    document_id=document_id,
                    run_key=run_key,
                    record=record,
                    markdown=markdown,
                    created_at=_now(),
                )
            ]
        )

    def forget(self, document_id: str, run_key: str) -> None:
        with Session(self._engine) as session, session.begin():
            for table in (SummaryStepRow, SummaryStepUsageRow, SummaryRow):
                session.execute(
                    delete(table).where(table.document_id == document_id, table.run_key == run_key)
                )
