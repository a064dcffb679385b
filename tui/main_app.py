"""The Archivist terminal UI: the library and a question box over the real services."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Static

from app.errors import user_message
from app.services.ask import Answer, Retrieved, ask
from app.streaming import CitationRewriter
from app.workspace import Workspace
from model_runtime.events import AnswerDelta


class ArchivistApp(App[None]):
    TITLE = "Archivist"
    CSS = """
    #workspace { height: auto; padding: 0 1; color: $text-muted; }
    #library { height: 1fr; }
    #answer-box { height: 2fr; border: round $primary; padding: 0 1; }
    """
    BINDINGS = [("ctrl+q", "quit", "Quit"), ("ctrl+r", "refresh", "Refresh library")]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self._answer_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="workspace")
        yield DataTable(id="library", cursor_type="row")
        yield Input(placeholder="Ask a question about your library and press Enter", id="question")
        with VerticalScroll(id="answer-box"):
            yield Static(id="answer")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#library", DataTable)
        table.add_columns("Document", "Status", "Pages", "Chunks")
        self.action_refresh()
        self.query_one("#question", Input).focus()

    def action_refresh(self) -> None:
        documents = self.workspace.catalogue.documents()
        model = self.workspace.model_entry()
        self.query_one("#workspace", Static).update(
            Text(
                f"Workspace: {self.workspace.home}   Model: {model.label}   "
                f"Documents: {len(documents)}"
            )
        )
        table = self.query_one("#library", DataTable)
        table.clear()
        for d in documents:
            table.add_row(Text(d.name), d.status, str(d.page_count), str(d.chunk_count))
        if not documents:
            self._show("The library is empty. Ingest files with: archivist ingest PATH")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if question:
            self._answer_text = ""
            self._show("…")
            self.answer_question(question)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ask")
    def answer_question(self, question: str) -> None:
        rewriter = CitationRewriter([])
        try:
            for event in ask(self.workspace, question):
                if isinstance(event, Retrieved):
                    rewriter = CitationRewriter(event.sources)
                elif isinstance(event, AnswerDelta):
                    self.call_from_thread(self._append, rewriter.feed(event.text))
                elif isinstance(event, Answer):
                    tail = rewriter.finish()
                    labels = ", ".join(f"[{c.source.label}]" for c in event.citations)
                    self.call_from_thread(self._append, f"{tail}\n\nSources: {labels}")
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            self.call_from_thread(self.notify, user_message(exc), severity="error")

    def _append(self, text: str) -> None:
        self._answer_text += text
        self._show(self._answer_text)

    def _show(self, text: str) -> None:
        # Text(), not markup: document and model text is shown literally.
        self.query_one("#answer", Static).update(Text(text))


def run_tui(workspace: Workspace, **kwargs: Any) -> None:
    ArchivistApp(workspace).run(**kwargs)
