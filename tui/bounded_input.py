"""A one-line input that cannot be flooded.

A terminal delivers a plain paste (no bracketed paste) as keystrokes, one event per
character: 2 MB of them once grew an unbounded `Input` to 4.7 GB and froze the UI for
minutes, as every keystroke re-rendered the whole value. This input holds at most
`MAX_INPUT_CHARS`; text beyond is cut (a bracketed paste keeps what fits) and one
notification says so. While the focused input is full, further printable keys are dropped
as early as possible: in the terminal driver's thread before they become events
(`flood_guarded`), else by the app before routing (`drop_flooding_key`). Keys that are not
printable (Enter, Backspace, Esc, Ctrl+Q) always get through.
"""

from __future__ import annotations

import time
from typing import Any

from textual import events
from textual.driver import Driver
from textual.widget import Widget
from textual.widgets import Input

MAX_INPUT_CHARS = 4000
NOTIFY_EVERY_S = 3.0


class BoundedInput(Input):
    """`Input` with a hard length bound that cuts instead of refusing the whole insert."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._last_notice = 0.0

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        self._publish_full()

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self._publish_full()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.app.input_full = False  # type: ignore[attr-defined]

    def _publish_full(self) -> None:
        """Tell the driver thread whether printable keys can still go anywhere."""
        if self.has_focus:
            self.app.input_full = len(self.value) >= MAX_INPUT_CHARS  # type: ignore[attr-defined]

    def replace(self, text: str, start: int, end: int) -> None:
        start, end = sorted((max(0, start), min(len(self.value), end)))
        room = MAX_INPUT_CHARS - (len(self.value) - (end - start))
        if len(text) > room:
            text = text[: max(room, 0)]
            self._cut()
            if not text and start == end:
                return
        super().replace(text, start, end)

    def insert_text_at_cursor(self, text: str) -> None:
        position = self.cursor_position
        self.replace(text, position, position)

    def _cut(self) -> None:
        now = time.monotonic()
        if now - self._last_notice >= NOTIFY_EVERY_S:
            self._last_notice = now
            self.notify(
                f"Input is limited to {MAX_INPUT_CHARS:,} characters; the rest was cut.",
                severity="warning",
            )


def drop_flooding_key(focused: Widget | None, event: events.Event) -> bool:
    """True (and the key is dropped) when it would only be cut by a full input.

    The app calls this before routing a key, so the rest of a flood costs almost nothing.
    """
    if not (isinstance(event, events.Key) and event.is_printable):
        return False
    if not isinstance(focused, BoundedInput) or not focused.selection.is_empty:
        return False
    if len(focused.value) < MAX_INPUT_CHARS:
        return False
    focused._cut()
    return True


def flood_guarded(driver_class: type[Driver]) -> type[Driver]:
    """`driver_class` dropping printable keys in its own thread while the focused input is
    full: each one would otherwise cost a task on the event loop (~50 us), so 2 MB of them
    would still hold the UI for a minute and a half."""

    class FloodGuardedDriver(driver_class):  # type: ignore[valid-type,misc]
        def process_message(self, message: Any) -> None:
            if (
                isinstance(message, events.Key)
                and message.is_printable
                and getattr(self._app, "input_full", False)
            ):
                return
            super().process_message(message)

    return FloodGuardedDriver
