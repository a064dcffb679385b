"""Summary checkpoints in the catalogue database, so a killed batch resumes where it stopped.

Keyed by document, model hash and mode: a different model or mode starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrieval.catalogue import Catalogue
from retrieval.storage.tables import Base, SummaryRow, SummaryStepRow


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SummaryStore:
    def __init__(self, catalogue: Catalogue) -> None:
        """A repository in the catalogue's database (its connection; its schema is the
        catalogue's, migrated when the catalogue opened)."""
        self._engine = catalogue.engine

    def step(self, document_id: str, run_key: str, step: str) -> str | None:
        with Session(self._engine) as session:
            row = session.get(SummaryStepRow, (document_id, run_key, step))
            return row.output if row else None

    def step_tokens(self, document_id: str, run_key: str, step: str) -> tuple[int, int]:
        """(prompt, completion) tokens the saved step cost; (0, 0) when not recorded."""
        with Session(self._engine) as session:
            row = session.get(SummaryStepRow, (document_id, run_key, step))
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
            for table in (SummaryStepRow, SummaryRow):
                session.execute(
                    delete(table).where(table.document_id == document_id, table.run_key == run_key)
                )
