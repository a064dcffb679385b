"""A flood of input (a plain 2 MB paste arrives as one keystroke per character) is cut at a
bound with a notification, and the UI keeps answering, instead of growing without end."""

from __future__ import annotations

import time

from textual import events
from textual.widgets import Input

from app.workspace import Workspace
from tests.tui_helpers import SIZE, wait_until
from tui.bounded_input import MAX_INPUT_CHARS
from tui.main_app import ArchivistApp

KEYSTROKES = 4_500  # past MAX_INPUT_CHARS (4,000): the cut is what is tested


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
            assert app.input_full  # the terminal driver now drops printable keys itself
            assert seconds < 60, f"{KEYSTROKES} keystrokes took {seconds:.1f} s"

            field.value = ""
            await pilot.pause()
            assert not app.input_full
            field.post_message(events.Paste("y" * 2_000_000))
            await pilot.pause()
            assert field.value == "y" * MAX_INPUT_CHARS
            field.value = ""
        notes = [n.message for n in app._notifications]
        assert any(f"limited to {MAX_INPUT_CHARS:,} characters" in m for m in notes)


async def test_the_driver_drops_printable_keys_while_the_focused_input_is_full() -> None:
    from textual.app import App
    from textual.drivers.headless_driver import HeadlessDriver

    from tui.bounded_input import flood_guarded

    app: App[None] = App()
    driver = flood_guarded(HeadlessDriver)(app)
    sent: list[events.Event] = []
    driver.send_message = sent.append  # type: ignore[method-assign]
    app.input_full = True  # type: ignore[attr-defined]
    driver.process_message(events.Key("q", "q"))
    driver.process_message(events.Key("enter", "\r"))
    driver.process_message(events.Key("ctrl+q", None))
    assert [e.key for e in sent] == ["enter", "ctrl+q"]  # type: ignore[attr-defined]
    app.input_full = False  # type: ignore[attr-defined]
    driver.process_message(events.Key("q", "q"))
    assert [e.key for e in sent] == ["enter", "ctrl+q", "q"]  # type: ignore[attr-defined]
