"""What the TUI tests share: waiting on the UI and asking through the chat screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tui.chat_screen import ChatScreen
from tui.main_app import ArchivistApp
from tui.turn_view import TurnView

SIZE = (120, 40)


def rendered(widget: Widget) -> str:
    return str(widget.render())


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], object], timeout: float = 180.0
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the UI"
        await pilot.pause(0.05)


async def ask(pilot: Pilot[None], app: ArchivistApp, question: str) -> TurnView:
    screen = app.screen
    assert isinstance(screen, ChatScreen)
    screen.query_one("#question", Input).value = question
    await pilot.press("enter")
    # A generous wait: the starter model answers in seconds on a quiet machine, minutes
    # on a loaded one; this is a deadline for a hang, not a speed check.
    await wait_until(pilot, lambda: not screen.generating, timeout=900.0)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen.query(TurnView).last()
