"""A path prompt with completion: the suggestion (dimmed) is the first entry of the folder
that starts with what was typed; Tab or Right accepts it."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from tui.bounded_input import BoundedInput


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, prefix = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if name.startswith(prefix) and (prefix.startswith(".") or not name.startswith(".")):
                full = os.path.join(folder, name)
                suffix = name[len(prefix) :] + ("/" if os.path.isdir(full) else "")
                return value + suffix if suffix else None
        return None


class PathInput(BoundedInput):
    BINDINGS = [Binding("tab", "complete", "Complete path", show=False)]

    def __init__(self, value: str = "", placeholder: str = "", id: str | None = None) -> None:
        super().__init__(value=value, placeholder=placeholder, suggester=PathSuggester(), id=id)

    def action_complete(self) -> None:
        if self._suggestion:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()


class PathPrompt(ModalScreen[Path | None]):
    """Ask for a path; Enter returns it, Escape returns None."""

    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 80%; height: auto; border: round $primary; padding: 1 2;
        background: $surface; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title)
            yield PathInput(self._value, placeholder="a path; Tab completes", id="path")
            yield Label("Enter: OK   Tab: complete   Esc: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
