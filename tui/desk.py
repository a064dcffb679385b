"""The TUI's adapter over the use-case services (library, ask, summaries, models): the
screens call only this, and it only turns service results and events into what they show.
Removal, answer aggregation and citations belong to the services (`app.services.library`,
`app.services.ask`, `retrieval.citations`), the same ones the CLI calls.

Work that outlives a key press runs on the desk's own daemon threads, never on the UI's
or in a Textual thread worker (the app waits for those when it exits): model work through
the one `ModelRunner` queue, an ingest on a thread of its own. So leaving takes at most a
moment in any state (`stop`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

from app.errors import InputError
from app.services import desk_models, figures, library
from app.services.answer import Answer
from app.services.ask import Retrieved
from app.services.ask import ask as ask_service
from app.services.history import ConversationLog
from app.services.ports import Summarizing
from app.services.summarize import SUMMARY_STEP, open_summarizer
from app.services.summary_batch import summarize_batch
from app.services.summary_format import split_sections
from app.workspace import Workspace
from model_runtime.engine import Engine, Mode
from model_runtime.events import AnswerDelta, ReasoningDelta
from retrieval.catalogue import DocumentInfo
from retrieval.key_figures.table import FiguresTable, Source
from retrieval.types import Evidence
from tui.claim_checks import ClaimChecks, Flagged
from tui.desk_ingest import DeskIngest
from tui.desk_types import (
    AskStarted,
    FileProgress,
    PageView,
    SummaryOutcome,
    period_shown,
)
from tui.model_runner import ANSWER, MODEL, SUMMARY, CancellableEngine, Job, ModelRunner

__all__ = [
    "Answer",
    "AnswerDelta",
    "AskEvent",
    "AskStarted",
    "Desk",
    "Evidence",
    "FileProgress",
    "DocumentInfo",
    "Job",
    "Mode",
    "PageView",
    "ReasoningDelta",
    "SummaryOutcome",
    "period_shown",
]


AskEvent = AskStarted | AnswerDelta | ReasoningDelta | Answer


SQLITE_FILE = "sqlite:///"  # a catalogue in a file, whose stat says when it changed
Failed = Callable[[Exception], object]


class Desk:
    """Everything the analyst's desk does, over one workspace. Model work goes through one
    queue (`runner`), one job at a time, each with its own cancel token."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.runner = ModelRunner()
        self.ingests = DeskIngest(workspace)
        self._history: ConversationLog | None = None
        self._history_lock = threading.Lock()
        self._conversation = 0  # which conversation an answer was asked in (Ctrl+N: +1)

    # ---- library -------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        stored = self.workspace.catalogue.documents()
        known = {e.path for e in stored}
        extra = [e for e in self.ingests.rows() if e.path not in known]
        return sorted(stored + extra, key=lambda e: e.name.lower())

    def library_signature(self) -> tuple[int, ...] | None:
        """Changes whenever any process writes the catalogue (its SQLite files' sizes and
        times; a stat, no query), so an idle library list reloads only then; None where
        the catalogue is a server's (then the list just reloads)."""
        url = self.workspace.catalogue_url
        if not url.startswith(SQLITE_FILE):
            return None
        database = url[len(SQLITE_FILE) :]
        signature: list[int] = []
        for suffix in ("", "-wal"):
            try:
                stat = Path(database + suffix).stat()
            except OSError:
                signature += [0, 0]
                continue
            signature += [stat.st_mtime_ns, stat.st_size]
        return tuple(signature)

    def remove(self, document_id: str) -> None:
        """Remove a document as `archivist docs remove` does (one path: the workspace lock,
        the REMOVING mark that `recover` finishes after a crash); a row of a file still
        ingesting or rejected this session just leaves the list."""
        if not self.ingests.forget(document_id):
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

    # ---- key figures ---------------------------------------------------------------------
    def figure_companies(self) -> dict[str, int]:
        return figures.companies(self.workspace)

    def figures_table(self, company: str, every_label: bool = False) -> FiguresTable:
        return figures.company_table(self.workspace, company, every_label=every_label)

    def figure_source(self, source: Source) -> Evidence:
        return figures.source_evidence(self.workspace, source)

    # ---- chat ----------------------------------------------------------------------------
    @property
    def history(self) -> ConversationLog:
        if self._history is None:
            self._history = ConversationLog(self.workspace.catalogue)
        return self._history

    def new_conversation(self) -> None:
        """Start an empty chat; an answer asked in the old one and still running (it is
        being cancelled) is not saved into the new one."""
        with self._history_lock:
            self._conversation += 1
            self.history.start_new()

    def _save(self, turn: Answer, conversation: int) -> None:
        with self._history_lock:
            if conversation == self._conversation:
                self.history.add(turn)

    def ask(
        self,
        question: str,
        mode: Mode,
        document_ids: list[str] | None = None,
        cancel: threading.Event | None = None,
        on_figures: Flagged | None = None,
        conversation: int | None = None,
    ) -> Iterator[AskEvent]:
        """Stream an answer; ends with the `Answer`, figures checked, also saved to the
        history. Setting `cancel` stops at the next token (see `app.services.ask.ask`).
        While it streams, each claim's figures are checked as the claim closes, on another
        thread, and reported to `on_figures`. The model is not reentrant: run this as a
        job of `runner` (`queue_answer`). `conversation`: the one it was asked in (by
        default the current one); a turn is saved only while that one is still open."""
        conversation = self._conversation if conversation is None else conversation
        checks: ClaimChecks | None = None
        try:
            for event in ask_service(
                self.workspace, question, mode, document_ids or None, cancel=cancel
            ):
                if isinstance(event, Retrieved):
                    if on_figures is not None:
                        checks = ClaimChecks(question, event.sources, on_figures)
                    yield AskStarted(event.sources, event.report.omitted_labels())
                elif isinstance(event, AnswerDelta | ReasoningDelta):
                    if checks is not None and isinstance(event, AnswerDelta):
                        checks.add(event.text)
                    yield event
                elif isinstance(event, Answer):
                    if checks is not None:
                        checks.stop()
                    _ = event.figures  # the whole answer, checked once here (cached)
                    self._save(event, conversation)
                    yield event
        finally:
            if checks is not None:
                checks.stop()

    def queue_answer(
        self,
        question: str,
        mode: Mode,
        document_ids: list[str],
        report: Callable[[AskEvent], object],
        on_figures: Flagged,
        on_error: Failed,
    ) -> Job:
        """Queue a question behind whatever the model is doing; `report` gets its events
        (a question cancelled before it starts gets a cancelled `Answer`)."""

        conversation = self._conversation

        def work(job: Job) -> None:
            try:
                asking = self.ask(
                    question, mode, document_ids, job.cancel, on_figures, conversation
                )
                for event in asking:
                    report(event)
            except Exception as exc:  # noqa: BLE001 - reported, never a crash
                on_error(exc)

        def dropped() -> None:
            report(Answer(question, mode.value, stop_reason="cancelled"))

        return self.runner.submit(ANSWER, work, dropped)

    # ---- summaries -----------------------------------------------------------------------
    def summarize(
        self,
        document_id: str,
        mode: Mode,
        on_section: Callable[[str, str], object] | None = None,
        on_step: Callable[[int, int], object] | None = None,
        force: bool = False,
        cancel: threading.Event | None = None,
    ) -> SummaryOutcome:
        """Summarise one document with the batch summarizer, reporting each step's text as
        it is written (sections stream in as they finish). Setting `cancel` stops the step
        being written within a token; the steps written before it are checkpoints, so the
        next summary of the document resumes there. Run it as a job of `runner`."""
        document = next(
            (d for d in self.workspace.catalogue.documents() if d.id == document_id), None
        )
        if document is None or document.status != "ready":
            raise InputError("pick a ready document to summarise")
        cancel = cancel or threading.Event()

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

        ports = cast(Summarizing, _CancellableWorkspace(self.workspace, cancel))
        summarizer = open_summarizer(ports, mode, step_done)
        out = self.workspace.home / "summaries"
        [result] = list(
            summarize_batch(
                self.workspace, [document], mode, out, force=force, summarizer=summarizer
            )
        )
        if cancel.is_set() and result.status == "failed":
            return SummaryOutcome("cancelled", "", "", "cancelled: it resumes where it stopped")
        path = result.files[0] if result.files else str(out / f"{document.name}.summary.md")
        return SummaryOutcome(result.status, result.markdown, path, result.reason)

    def queue_summary(
        self,
        document_id: str,
        mode: Mode,
        on_section: Callable[[str, str], object],
        on_step: Callable[[int, int], object],
        on_done: Callable[[SummaryOutcome], object],
        on_error: Failed,
        force: bool = False,
    ) -> Job:
        """Queue a summary; its job carries the step it is on, for what waits behind it."""

        def work(job: Job) -> None:
            def step(done: int, total: int) -> None:
                job.step = (done, total)
                on_step(done, total)

            try:
                outcome = self.summarize(document_id, mode, on_section, step, force, job.cancel)
            except Exception as exc:  # noqa: BLE001 - reported, never a crash
                on_error(exc)
                return
            on_done(outcome)

        def dropped() -> None:
            on_done(SummaryOutcome("cancelled", "", "", "cancelled before it started"))

        return self.runner.submit(SUMMARY, work, dropped)

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
        """Switch the model answers come from; the new one loads on the next question.
        Queued like any model work, so it waits for the job running now."""
        failure: list[Exception] = []

        def work(_job: Job) -> None:
            try:
                desk_models.use_model(self.workspace, name)
            except Exception as exc:  # noqa: BLE001 - raised again on the caller's thread
                failure.append(exc)

        job = self.runner.submit(MODEL, work)
        job.done.wait()
        if failure:
            raise failure[0]
        if job.cancel.is_set() and not job.started:
            raise InputError("the desk is closing: the model was not switched")

    def stop(self, wait_s: float = 1.5) -> bool:
        """Cancel all model work and wait up to `wait_s` for it and for an ingest; True
        when nothing uses the workspace any more."""
        runner_stopped = self.runner.close(wait_s)
        return self.ingests.join(max(0.0, wait_s - 0.1) if runner_stopped else 0.0) and (
            runner_stopped
        )

    def close(self, wait_s: float = 1.5) -> bool:
        """Stop the work, then release the workspace, unless a thread still uses it (an
        ingest mid-file): then it is left to the process's end, as a kill would."""
        if not self.stop(wait_s):
            return False
        self.workspace.close()
        return True


class _CancellableWorkspace:
    """The workspace's ports for one summary, its engine stopping at the job's token."""

    def __init__(self, workspace: Workspace, cancel: threading.Event) -> None:
        self._workspace = workspace
        self._cancel = cancel

    @property
    def engine(self) -> Engine:
        return CancellableEngine(self._workspace.engine, self._cancel)

    def __getattr__(self, name: str) -> object:
        return getattr(self._workspace, name)
