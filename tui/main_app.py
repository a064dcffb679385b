"""The Archivist terminal UI: library, chat, summaries, models and key figures, one screen
each, over the desk facade. One app factory for production and tests."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from app.workspace import Workspace
from tui.bounded_input import drop_flooding_key, flood_guarded
from tui.chat_screen import ChatScreen
from tui.desk import Desk
from tui.figures_screen import FiguresScreen
from tui.help_screen import HelpScreen
from tui.library_screen import LibraryScreen
from tui.models_screen import ModelsScreen
from tui.state import DeskState
from tui.summary_screen import SummaryScreen

QUIT_WAIT_S = 1.2  # how long Ctrl+Q waits for model work to stop (within a token, usually)

# (title, help, mode to show first or None, action on that screen or on the app)
PALETTE: list[tuple[str, str, str | None, str]] = [
    (
        "Library",
        "Documents, their status and the question scope",
        None,
        "app.switch_mode('library')",
    ),
    ("Chat", "Ask the library with cited answers", None, "app.switch_mode('chat')"),
    ("Summary", "Summarise a document with page citations", None, "app.switch_mode('summary')"),
    ("Models", "Installed models, hardware, switch or import", None, "app.switch_mode('models')"),
    (
        "Figures",
        "Key figures of a company across its filings",
        None,
        "app.switch_mode('figures')",
    ),
    ("Help", "Every key binding", None, "app.help"),
    ("Add file or folder", "Ingest documents into the library", "library", "screen.add"),
    ("Remove document", "Remove the highlighted document", "library", "screen.remove"),
    (
        "Select document",
        "Toggle the highlighted document in the scope",
        "library",
        "screen.toggle_scope",
    ),
    ("Select none", "Ask the whole library", "library", "screen.clear_scope"),
    ("Clear filter", "Show every document", "library", "screen.clear_filter"),
    ("Switch thinking/fast mode", "How the next answer is written", "chat", "screen.toggle_mode"),
    ("Show/hide reasoning", "The reasoning panels in the chat", "chat", "screen.toggle_reasoning"),
    ("Cancel answer", "Stop the answer being written", "chat", "screen.cancel"),
    ("Cancel summary", "Stop the summary; Ctrl+S resumes it", "summary", "screen.cancel"),
    ("New conversation", "Start an empty chat", "chat", "screen.new_conversation"),
    ("Go to citations", "Pick a citation to open its page", "chat", "screen.focus_citations"),
    ("Summarise document", "Write the chosen document's summary", "summary", "screen.summarize"),
    ("Redo summary", "Write it again, ignoring the saved one", "summary", "screen.summarize(True)"),
    ("Save summary", "Save the summary as Markdown", "summary", "screen.save"),
    (
        "Open figure's page",
        "Figures: the page the value was read from",
        "figures",
        "screen.open_source",
    ),
    (
        "Open earlier figure's page",
        "Figures: the page of a restated period's earlier value",
        "figures",
        "screen.open_source(1)",
    ),
    (
        "Show every printed line",
        "Figures: every statement line, or the core items only",
        "figures",
        "screen.toggle_labels",
    ),
    ("Use model", "Answer with the highlighted model", "models", "screen.use"),
    ("Import model", "Copy a GGUF file into the workspace", "models", "screen.import_model"),
    ("Reload models", "Re-verify the installed models", "models", "screen.reload"),
    ("Quit", "Leave Archivist", None, "app.quit"),
]


class ArchivistApp(App[None]):
    TITLE = "Archivist"
    MODES = {
        "library": LibraryScreen,
        "chat": ChatScreen,
        "summary": SummaryScreen,
        "models": ModelsScreen,
        "figures": FiguresScreen,
    }
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "switch_mode('library')", "Library"),
        Binding("f3", "switch_mode('chat')", "Chat"),
        Binding("f4", "switch_mode('summary')", "Summary"),
        Binding("f5", "switch_mode('models')", "Models"),
        Binding("f6", "switch_mode('figures')", "Figures"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, workspace: Workspace, start: str | None = None) -> None:
        super().__init__()
        self.state = DeskState(Desk(workspace))
        self._start = start

    def on_mount(self) -> None:
        start = self._start
        if start is None:
            has_documents = bool(self.state.desk.documents())
            start = "chat" if has_documents else "library"
        self.switch_mode(start)

    input_full = False  # the focused input is full: set by BoundedInput, read by the driver

    def get_driver_class(self) -> type[Driver]:
        return flood_guarded(super().get_driver_class())

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and drop_flooding_key(self.focused, event):
            return  # a full input: the rest of a keystroke flood stops here
        await super().on_event(event)

    async def action_quit(self) -> None:
        """Leave within moments in any state: model work is cancelled (a summary keeps
        the steps it wrote, and resumes there next time) and waited for briefly; an
        ingest is never waited for (see `run_tui`)."""
        await asyncio.to_thread(self.state.desk.stop, QUIT_WAIT_S)
        self.exit()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for title, help_text, mode, action in PALETTE:
            yield SystemCommand(title, help_text, self._palette_callback(mode, action))
        yield SystemCommand("Theme", "Change the colours", self.action_change_theme)

    def _palette_callback(self, mode: str | None, action: str) -> Any:
        async def run() -> None:
            if mode is not None and self.current_mode != mode:
                await self.switch_mode(mode)
            await self.run_action(action)

        return run


def run_tui(workspace: Workspace, **kwargs: Any) -> None:
    """Run the desk; on leaving, release the workspace, or, when a thread still writes it
    (an ingest mid-file), end the process at once: the terminal is already restored, and
    the next run recovers the ingest as it would after a kill."""
    app = ArchivistApp(workspace)
    app.run(**kwargs)
    if not app.state.desk.close(wait_s=0.3):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)
