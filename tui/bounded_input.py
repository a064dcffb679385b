"""A one-line input that cannot be flooded.

A terminal delivers a plain paste (no bracketed paste) as keystrokes, one event per
character: 2 MB of them once grew an unbounded `Input` to 4.7 GB and froze the UI for
minutes, as every keystroke re-rendered the whole value. This input holds at most
`MAX_INPUT_CHARS`; text beyond is cut (a bracketed paste keeps what fits) and one
notification says so, so each further keystroke costs a constant, small amount.
"""

from __future__ import annotations

import time

from textual import events
from textual.widget import Widget
from textual.widgets import Input

MAX_INPUT_CHARS = 4000
NOTIFY_EVERY_S = 3.0


class BoundedInput(Input):
    """`Input` with a hard length bound that cuts instead of refusing the whole insert."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._last_notice = 0.0

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
