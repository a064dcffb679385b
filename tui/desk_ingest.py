"""Ingestion from the desk: the rows of files being ingested or rejected this session,
and the ingest itself on a daemon thread, so leaving the desk never waits for it (a run
cut short is recovered by the next one, as after a kill). The rows are read by the UI
while the ingest thread writes them: every access holds the rows' lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from app.errors import InputError
from app.services.ingest import ProgressState, expand_paths, ingest
from app.services.ports import Ingesting
from retrieval.catalogue import INGESTING, REJECTED, DocumentInfo
from tui.desk_types import FileProgress, pending_row

Failed = Callable[[Exception], object]


class DeskIngest:
    def __init__(self, workspace: Ingesting) -> None:
        self._workspace = workspace
        self._ingest_lock = threading.Lock()
        self._ingest_thread: threading.Thread | None = None
        self._rows_lock = threading.Lock()
        self._session_rows: dict[str, DocumentInfo] = {}  # ingesting or rejected this session

    def rows(self) -> list[DocumentInfo]:
        """A snapshot of this session's rows: the ingest thread changes them meanwhile."""
        with self._rows_lock:
            return list(self._session_rows.values())

    def forget(self, document_id: str) -> bool:
        """Drop a session row (a file ingesting or rejected); False when none has the id."""
        with self._rows_lock:
            for key, row in list(self._session_rows.items()):
                if row.id == document_id:
                    del self._session_rows[key]
                    return True
        return False

    def join(self, wait_s: float) -> bool:
        """Wait up to `wait_s` for a running ingest; True when none runs."""
        thread = self._ingest_thread
        if thread is not None:
            thread.join(wait_s)
        return not self.ingesting

    def _set_row(self, path: Path, row: DocumentInfo | None, only_ingesting: bool = False) -> None:
        with self._rows_lock:
            if row is not None:
                self._session_rows[str(path)] = row
                return
            kept = self._session_rows.get(str(path))
            if kept is not None and (not only_ingesting or kept.status == INGESTING):
                del self._session_rows[str(path)]

    @property
    def ingesting(self) -> bool:
        thread = self._ingest_thread
        return thread is not None and thread.is_alive()

    def ingest_in_background(
        self,
        paths: list[Path],
        on_file: Callable[[FileProgress], object],
        on_done: Callable[[list[FileProgress]], object],
        on_error: Failed,
    ) -> None:
        """`ingest` on a daemon thread: leaving the desk never waits for a long ingest (a
        run cut short is recovered by the next one, as after a kill)."""

        def run() -> None:
            try:
                outcomes = self.ingest(paths, on_file)
            except Exception as exc:  # noqa: BLE001 - reported, never a crash
                on_error(exc)
                return
            on_done(outcomes)

        thread = threading.Thread(target=run, name="desk-ingest", daemon=True)
        self._ingest_thread = thread
        thread.start()

    def ingest(
        self, paths: list[Path], on_file: Callable[[FileProgress], object] | None = None
    ) -> list[FileProgress]:
        """Ingest files and folders, reporting each file's outcome as it finishes."""
        files, unsupported = expand_paths([p.expanduser() for p in paths])
        if not files:
            skipped = f" ({len(unsupported)} unsupported file(s) skipped)" if unsupported else ""
            raise InputError(f"no PDF, .txt or .md files there{skipped}")
        with self._ingest_lock:  # one ingestion at a time writes the index
            return self._ingest_files(files, on_file, len(unsupported))

    def _ingest_files(
        self,
        files: list[Path],
        on_file: Callable[[FileProgress], object] | None,
        unsupported: int = 0,
    ) -> list[FileProgress]:
        """One ingest run for all the files (parsing in parallel, one embedder), each
        file's outcome reported as it finishes."""
        report_to = on_file or (lambda _p: None)
        waiting = {str(path.resolve()): path for path in files}
        outcomes: list[FileProgress] = []

        def finished(path: Path, state: str, detail: str) -> None:
            waiting.pop(str(path.resolve()), None)
            rejected = pending_row(path, REJECTED, detail) if state == "rejected" else None
            self._set_row(path, rejected)
            outcome = FileProgress(str(path), len(outcomes) + 1, len(files), state, detail)
            outcomes.append(outcome)
            report_to(outcome)

        def progress(state: ProgressState) -> None:
            path = waiting.get(str(Path(state.path).resolve()))
            if path is not None and state.outcome:
                finished(path, state.outcome, state.detail)

        for path in files:
            self._set_row(path, pending_row(path, INGESTING, ""))
        where = files[0] if len(files) == 1 else files[0].parent
        count = f"{len(files)} file(s)" + (
            f", {unsupported} unsupported skipped" if unsupported else ""
        )
        report_to(FileProgress(str(where), 0, len(files), "ingesting", count))
        try:
            report = ingest(self._workspace, files, progress=progress)
        finally:
            for path in list(waiting.values()):
                self._set_row(path, None, only_ingesting=True)
        planned = [("skipped", e) for e in report.skipped] + [
            ("rejected", e) for e in report.rejected
        ]  # decided before parsing: unchanged files, ones rejected before
        for state, entry in planned:
            unreported = waiting.get(str(Path(str(entry["path"])).resolve()))
            if unreported is not None:
                reason = str(entry["reason"])
                detail = "already in" if reason == "already ingested" else reason
                finished(unreported, state, detail)
        return outcomes
