"""Summaries: pick a ready document, watch the cited summary come in section by section
(the batch summarizer checkpoints each step), save it as Markdown. A summary is a job of
the desk's model queue: Esc cancels it within a token, and the next Ctrl+S resumes it
from the last step written."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Select, Static

from app.errors import user_message
from tui.desk import Job, Mode
from tui.messages import SummaryFinished, SummaryProgressed, SummaryStepped, WorkFailed
from tui.path_input import PathPrompt
from tui.safe import literal
from tui.state import DeskScreen

STEP_TITLES = {
    "section:overview": "Overview",
    "section:key_figures": "Key figures",
    "section:risks": "Risks",
    "section:outlook": "Outlook",
}


class SummaryScreen(DeskScreen):
    DEFAULT_CSS = """
    SummaryScreen #summary-document { margin: 0 1; }
    SummaryScreen #summary-status { height: 1; padding: 0 1; background: $boost; }
    SummaryScreen #summary-scroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "summarize", "Summarise"),
        Binding("ctrl+f", "summarize(True)", "Redo"),
        Binding("ctrl+e", "save", "Save Markdown"),
        Binding("ctrl+t", "toggle_mode", "Thinking/fast"),
        Binding("escape", "cancel", "Cancel summary"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._markdown = ""
        self._streamed = Text()
        self._summarizing = False
        self._saved_path = ""
        self._summary_document: str | None = None
        self._job: Job | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Select[str]([], prompt="Pick a document", id="summary-document")
        yield Static(id="summary-status")
        with VerticalScroll(id="summary-scroll"):
            yield Static(id="summary-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Summary"
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        ready = [e for e in self.desk.documents() if e.status == "ready"]
        select = self.query_one("#summary-document", Select)
        current = select.value if isinstance(select.value, str) else None
        select.set_options([(Text(e.name), e.id) for e in ready])
        wanted = self.state.current_document or next(iter(sorted(self.state.scope)), None)
        ids = {e.id for e in ready}
        for choice in (current, wanted):
            if choice in ids:
                select.value = choice
                break
        self._show_status()

    def _document_id(self) -> str | None:
        value = self.query_one("#summary-document", Select).value
        return value if isinstance(value, str) else None

    def _show_status(self, extra: str = "") -> None:
        mode = self.state.mode.value
        text = Text(f" {mode.upper()} ", style="reverse bold")
        text.append("  Ctrl+S summarises, Ctrl+E saves")
        if extra:
            text.append("   ")
            text.append_text(literal(extra, "yellow"))
        self.query_one("#summary-status", Static).update(text)

    @on(Select.Changed, "#summary-document")
    def _document_changed(self) -> None:
        # Coming back to this screen re-sets the options (and fires Changed): keep the
        # summary unless another document was really chosen.
        if not self._summarizing and self._document_id() != self._summary_document:
            self._markdown = ""
            self._streamed = Text()
            self.query_one("#summary-text", Static).update("")

    def action_toggle_mode(self) -> None:
        self.state.mode = Mode.FAST if self.state.mode == Mode.THINKING else Mode.THINKING
        self._show_status()

    def action_summarize(self, force: bool = False) -> None:
        document_id = self._document_id()
        if document_id is None:
            self.notify("Pick a document first", severity="warning")
            return
        if self._summarizing:
            self.notify("A summary is already being written")
            return
        self._summarizing = True
        self._summary_document = document_id
        self._markdown = ""
        self._streamed = Text()
        self.query_one("#summary-text", Static).update(Text("…", style="dim"))
        self._show_status("reading the document…")
        self.run_summary(document_id, self.state.mode, force)

    def run_summary(self, document_id: str, mode: Mode, force: bool) -> None:
        post = self.post_message
        self._job = self.desk.queue_summary(
            document_id,
            mode,
            on_section=lambda step, text: post(SummaryStepped(step, text)),
            on_step=lambda done, total: post(SummaryProgressed(done, total)),
            on_done=lambda outcome: post(SummaryFinished(outcome)),
            on_error=lambda exc: post(WorkFailed("summary", user_message(exc))),
            force=force,
        )

    def action_cancel(self) -> None:
        if self._job is None or not self._summarizing:
            return
        self.desk.runner.cancel(self._job)
        self._show_status("cancelling…")

    def on_summary_stepped(self, message: SummaryStepped) -> None:
        title = STEP_TITLES.get(message.step, message.step)
        if self._streamed.plain:
            self._streamed.append("\n\n")
        self._streamed.append(f"## {title}\n", style="bold")
        self._streamed.append_text(literal(message.text))
        self.query_one("#summary-text", Static).update(self._streamed)

    def on_summary_progressed(self, message: SummaryProgressed) -> None:
        self._show_status(f"step {message.done} of {message.total}")

    def on_summary_finished(self, message: SummaryFinished) -> None:
        self._summarizing = False
        self._job = None
        outcome = message.outcome
        if outcome.status == "cancelled":
            self._show_status("cancelled: Ctrl+S resumes from the last step written")
            return
        if outcome.status == "failed":
            self._show_status()
            self.notify(f"summary failed: {outcome.reason}", severity="error")
            return
        self._markdown = outcome.markdown
        self._saved_path = outcome.path
        self.query_one("#summary-text", Static).update(literal(outcome.markdown))
        note = "already summarised (Ctrl+F redoes it)" if outcome.status == "skipped" else "done"
        self._show_status(note)

    def on_work_failed(self, message: WorkFailed) -> None:
        self._summarizing = False
        self._job = None
        self._show_status()
        self.notify(f"{message.what}: {message.error}", severity="error")

    def action_save(self) -> None:
        if not self._markdown:
            self.notify("Nothing to save yet: Ctrl+S writes a summary", severity="warning")
            return

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            try:
                written = self.desk.save_markdown(self._markdown, path)
            except Exception as exc:  # noqa: BLE001 - a notification, never a crash
                self.notify(user_message(exc), severity="error")
                return
            self.notify(f"Saved {written}")

        self.app.push_screen(PathPrompt("Save the summary as Markdown", self._saved_path), chosen)
