"""What the screens share: the desk facade, the document scope and the answer mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, cast

from textual.screen import Screen

from tui.desk import Desk, Mode


@dataclass
class DeskState:
    desk: Desk
    scope: set[str] = field(default_factory=set)  # document ids; empty = the whole library
    mode: Mode = Mode.FAST
    show_reasoning: bool = True
    current_document: str | None = None  # the library's cursor, for the summary screen


class DeskApp(Protocol):
    """What a screen needs of its app (the app imports the screens, not the reverse)."""

    state: DeskState


class DeskScreen(Screen[None]):
    """A screen over the shared state; screens never do I/O themselves, workers do."""

    @property
    def state(self) -> DeskState:
        return cast("DeskApp", self.app).state

    @property
    def desk(self) -> Desk:
        return self.state.desk
