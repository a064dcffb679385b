"""What the screens share: the desk facade, the document scope and the answer mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from tui.desk import Desk, Mode

if TYPE_CHECKING:
    from tui.main_app import ArchivistApp


@dataclass
class DeskState:
    desk: Desk
    scope: set[str] = field(default_factory=set)  # document ids; empty = the whole library
    mode: Mode = Mode.FAST
    show_reasoning: bool = True
    current_document: str | None = None  # the library's cursor, for the summary screen


class DeskScreen(Screen[None]):
    """A screen over the shared state; screens never do I/O themselves, workers do."""

    @property
    def state(self) -> DeskState:
        return cast("ArchivistApp", self.app).state

    @property
    def desk(self) -> Desk:
        return self.state.desk
