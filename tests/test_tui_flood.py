"""A flood of input (a plain 2 MB paste arrives as one keystroke per character) is cut at a
bound with a notification, and the UI keeps answering, instead of growing without end."""

from __future__ import annotations

import time

from textual import events
from textual.widgets import Input

from app.workspace import Workspace
from tui.bounded_input import MAX_INPUT_CHARS
from tui.main_app import ArchivistApp

from .tui_helpers import SIZE, wait_until

KEYSTROKES = 8_000


async def test_keystroke_flood_and_huge_paste_are_cut(workspace: Workspace) -> None:
    app = ArchivistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        for mode in ("library", "chat"):
            await app.switch_mode(mode)
            await pilot.pause()
            field = app.screen.query_one("#filter" if mode == "library" else "#question", Input)
            field.focus()
            started = time.monotonic()
            for n in range(KEYSTROKES):
                char = "abcdefghij"[n % 10]
                app.post_message(events.Key(char, char))  # as the terminal driver sends them
            await wait_until(pilot, lambda: app._message_queue.empty(), timeout=120)
            await pilot.pause()
            seconds = time.monotonic() - started
            assert len(field.value) == MAX_INPUT_CHARS
            assert seconds < 60, f"{KEYSTROKES} keystrokes took {seconds:.1f} s"

            field.value = ""
            field.post_message(events.Paste("y" * 2_000_000))
            await pilot.pause()
            assert field.value == "y" * MAX_INPUT_CHARS
            field.value = ""
        notes = [n.message for n in app._notifications]
        assert any(f"limited to {MAX_INPUT_CHARS:,} characters" in m for m in notes)
