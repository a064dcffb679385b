"""The TUI's adapter over the use-case services (library, ask, summaries, models): the
screens call only this, and it only turns service results and events into what they show.
Removal, answer aggregation and citations belong to the services (`app.services.library`,
`app.services.ask`, `retrieval.citations`), the same ones the CLI calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import InputError
from app.services import desk_models, library
from app.services.answer import Answer
from app.services.ask import Retrieved
from app.services.ask import ask as ask_service
from app.services.history import ConversationLog
from app.services.ingest import ProgressState, expand_paths, ingest
from app.services.summarize import SUMMARY_STEP, open_summarizer
from app.services.summary_batch import summarize_batch
from app.services.summary_format import split_sections
from app.workspace import Workspace
from model_runtime.engine import Mode
from model_runtime.events import AnswerDelta, ReasoningDelta
from retrieval.catalogue import INGESTING, REJECTED, DocumentInfo
from retrieval.types import Evidence

__all__ = [
    "Answer",
    "AnswerDelta",
    "AskStarted",
    "Desk",
    "Evidence",
    "FileProgress",
    "LibraryEntry",
    "Mode",
    "PageView",
    "ReasoningDelta",
    "SummaryOutcome",
]


@dataclass(frozen=True)
class LibraryEntry:
    id: str
    name: str
    company: str
    form: str
    period: str
    pages: int
    chunks: int
    status: str  # "ready", "searchable" (no dense vectors yet), "ingesting" or "rejected"
    reason: str
    path: str


@dataclass(frozen=True)
class FileProgress:
    """One file's progress through ingestion: `state` is ingesting, ingested, skipped or
    rejected; `detail` says why or how much."""

    path: str
    number: int
    total: int
    state: str
    detail: str = ""


@dataclass(frozen=True)
class AskStarted:
    """Retrieval is done; generation starts. `omitted` lists sources left out of the prompt."""

    sources: list[Evidence]
    omitted: list[str]


@dataclass(frozen=True)
class PageView:
    document_id: str
    document_name: str
    index: int  # zero-based
    label: str
    page_count: int
    text: str


@dataclass(frozen=True)
class SummaryOutcome:
    status: str  # "done", "skipped" (already summarised) or "failed"
    markdown: str
    path: str
    reason: str = ""


AskEvent = AskStarted | AnswerDelta | ReasoningDelta | Answer


def _period(document: DocumentInfo) -> str:
    """`FY2023` or `2023Q2` as ingestion detected it; the bare year when that is all."""
    meta = document.meta
    if meta.fiscal_period:
        return meta.fiscal_period
    return str(meta.fiscal_year) if meta.fiscal_year else ""


def _entry(document: DocumentInfo) -> LibraryEntry:
    return LibraryEntry(
        id=document.id,
        name=document.name,
        company=document.meta.company,
        form=document.meta.form_type,
        period=_period(document),
        pages=document.page_count,
        chunks=document.chunk_count,
        status=document.status,
        reason=document.reason,
        path=document.path,
    )


class Desk:
    """Everything the analyst's desk does, over one workspace. Thread-safe where the UI
    needs it: one generation at a time (the model is not reentrant)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._model_lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._session_rows: dict[str, LibraryEntry] = {}  # ingesting or rejected this session
        self._history: ConversationLog | None = None

    # ---- library -------------------------------------------------------------------------
    def documents(self) -> list[LibraryEntry]:
        stored = [_entry(d) for d in self.workspace.catalogue.documents()]
        known = {e.path for e in stored}
        extra = [e for e in self._session_rows.values() if e.path not in known]
        return sorted(stored + extra, key=lambda e: e.name.lower())

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
            if state == "rejected":
                self._session_rows[str(path)] = _pending(path, REJECTED, detail)
            else:
                self._session_rows.pop(str(path), None)
            outcome = FileProgress(str(path), len(outcomes) + 1, len(files), state, detail)
            outcomes.append(outcome)
            report_to(outcome)

        def progress(state: ProgressState) -> None:
            path = waiting.get(str(Path(state.path).resolve()))
            if path is not None and state.outcome:
                finished(path, state.outcome, state.detail)

        for path in files:
            self._session_rows[str(path)] = _pending(path, INGESTING, "")
        where = files[0] if len(files) == 1 else files[0].parent
        count = f"{len(files)} file(s)" + (
            f", {unsupported} unsupported skipped" if unsupported else ""
        )
        report_to(FileProgress(str(where), 0, len(files), "ingesting", count))
        try:
            report = ingest(self.workspace, files, progress=progress)
        finally:
            for key in [str(p) for p in waiting.values()]:
                row = self._session_rows.get(key)
                if row is not None and row.status == INGESTING:
                    del self._session_rows[key]
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

    def remove(self, document_id: str) -> None:
        """Remove a document as `archivist docs remove` does (one path: the workspace lock,
        the REMOVING mark that `recover` finishes after a crash); a row of a file still
        ingesting or rejected this session just leaves the list."""
        for key, row in list(self._session_rows.items()):
            if row.id == document_id:
                del self._session_rows[key]
                return
        library.remove(self.workspace, document_id)

    def page(self, document_id: str, index: int) -> PageView | None:
        catalogue = self.workspace.catalogue
        document = next((d for d in catalogue.documents() if d.id == document_id), None)
        if document is None or not 0 <= index < max(document.page_count, 1):
            return None
        text = catalogue.page_text(document_id, index)
        if text is None:
            return None
        label = catalogue.page_label(document_id, index) or str(index + 1)
        return PageView(document_id, document.name, index, label, document.page_count, text)

    # ---- chat ----------------------------------------------------------------------------
    @property
    def history(self) -> ConversationLog:
        if self._history is None:
            self._history = ConversationLog(self.workspace.catalogue)
        return self._history

    def ask(
        self,
        question: str,
        mode: Mode,
        document_ids: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[AskEvent]:
        """Stream an answer; ends with the `Answer`, which is also saved to the history.
        Setting `cancel` stops at the next token (see `app.services.ask.ask`)."""
        with self._model_lock:
            for event in ask_service(
                self.workspace, question, mode, document_ids or None, cancel=cancel
            ):
                if isinstance(event, Retrieved):
                    yield AskStarted(event.sources, event.report.omitted_labels())
                elif isinstance(event, AnswerDelta | ReasoningDelta):
                    yield event
                elif isinstance(event, Answer):
                    self.history.add(event)
                    yield event

    # ---- summaries -----------------------------------------------------------------------
    def summarize(
        self,
        document_id: str,
        mode: Mode,
        on_section: Callable[[str, str], object] | None = None,
        on_step: Callable[[int, int], object] | None = None,
        force: bool = False,
    ) -> SummaryOutcome:
        """Summarise one document with the batch summarizer, reporting each step's text as
        it is written (sections stream in as they finish)."""
        document = next(
            (d for d in self.workspace.catalogue.documents() if d.id == document_id), None
        )
        if document is None or document.status != "ready":
            raise InputError("pick a ready document to summarise")
        with self._model_lock:

            def step_done(step: str, done: int, total: int, _speed: float, text: str) -> None:
                if on_step:
                    on_step(done, total)
                if not on_section:
                    return
                if step != SUMMARY_STEP:
                    on_section(step, text)
                    return
                for section in split_sections(text):  # one generation wrote every section
                    on_section(f"section:{section.name}", section.text)

            summarizer = open_summarizer(self.workspace, mode, step_done)
            out = self.workspace.home / "summaries"
            [result] = list(
                summarize_batch(
                    self.workspace, [document], mode, out, force=force, summarizer=summarizer
                )
            )
        path = result.files[0] if result.files else str(out / f"{document.name}.summary.md")
        return SummaryOutcome(result.status, result.markdown, path, result.reason)

    @staticmethod
    def save_markdown(markdown: str, path: Path) -> Path:
        target = path.expanduser()
        if target.is_dir():
            raise InputError(f"{target} is a folder: give a file name")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown)
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc.strerror}") from exc
        return target

    # ---- models --------------------------------------------------------------------------
    def active_model_name(self) -> str:
        try:
            return self.workspace.model_entry().name
        except Exception:  # noqa: BLE001 - no model is a state to show, not a crash
            return "no model"

    def models(self) -> list[desk_models.ModelView]:
        return desk_models.list_models(self.workspace)

    def hardware(self) -> desk_models.HardwareView:
        return desk_models.hardware(self.workspace)

    def import_model(self, path: Path) -> desk_models.ModelView:
        return desk_models.import_model(self.workspace, path.expanduser())

    def use_model(self, name: str) -> None:
        """Switch the model answers come from; the new one loads on the next question."""
        with self._model_lock:
            desk_models.use_model(self.workspace, name)

    def close(self) -> None:
        self.workspace.close()


def _pending(path: Path, status: str, reason: str) -> LibraryEntry:
    return LibraryEntry(
        id=f"file:{path}",
        name=path.stem,
        company="",
        form="",
        period="",
        pages=0,
        chunks=0,
        status=status,
        reason=reason,
        path=str(path),
    )
