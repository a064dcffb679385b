"""Every key, by screen; the same actions are in the command palette (Ctrl+P)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Everywhere",
        [
            ("F1", "this help"),
            ("F2 / F3 / F4 / F5", "library / chat / summary / models"),
            ("F6", "key figures of a company across its filings"),
            ("Ctrl+P", "command palette: every action by name"),
            ("Ctrl+Q", "quit"),
        ],
    ),
    (
        "Library",
        [
            ("type", "filter by name, company, form or period"),
            ("Up / Down", "move"),
            ("Enter", "select or unselect the document as the scope for questions"),
            ("Ctrl+L", "select none (ask the whole library)"),
            ("Ctrl+O", "add a file or folder (Tab completes the path)"),
            ("F8", "remove the document"),
            ("Esc", "clear the filter"),
        ],
    ),
    (
        "Chat",
        [
            ("Enter", "ask"),
            ("Ctrl+T", "switch thinking / fast mode"),
            ("Esc", "cancel the answer being written (or the summary it waits for)"),
            ("Ctrl+R", "show or hide the reasoning panels"),
            ("Ctrl+G", "go to the citations; Enter opens the source page"),
            ("click a citation", "open the source page"),
            ("Ctrl+N", "start a new conversation"),
        ],
    ),
    (
        "Source page",
        [("Right / N", "next page"), ("Left / P", "previous page"), ("Esc / Q", "close")],
    ),
    (
        "Summary",
        [
            ("Ctrl+S", "summarise the chosen document"),
            ("Ctrl+F", "redo a summary already written"),
            ("Ctrl+E", "save (export) it as Markdown"),
            ("Ctrl+T", "thinking / fast mode"),
            ("Esc", "cancel the summary (Ctrl+S resumes it)"),
        ],
    ),
    (
        "Figures",
        [
            ("arrows", "move in the table; the chart plots the line under the cursor"),
            ("Enter", "open the page the value was read from"),
            ("E", "open the earlier value's page (a restated period, marked *)"),
            ("A", "every printed line, or the core items only"),
            ("Tab", "to the companies (Up / Down picks one, Enter back to its table)"),
        ],
    ),
    (
        "Models",
        [
            ("Enter", "answer with the highlighted model"),
            ("Ctrl+O", "import a GGUF file"),
            ("Ctrl+L", "reload and re-verify"),
        ],
    ),
]


def keys_table() -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for section, rows in KEYS:
        table.add_row(Text(section, style="bold underline"), "")
        for key, what in rows:
            table.add_row(key, what)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,f1,q", "close", "Close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Archivist keys (Esc closes)"
            yield Static(keys_table())

    def action_close(self) -> None:
        self.dismiss(None)
