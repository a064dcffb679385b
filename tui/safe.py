"""Document and model text is data: it is never parsed as Rich markup, and control
characters (a PDF can hold `\\x1b[2J`) are shown as visible escapes, never sent to the
terminal."""

from __future__ import annotations

import re

from rich.text import Text

# C0 and C1 controls and DEL, except newline and tab.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def literal(text: str, style: str = "") -> Text:
    """A Text that shows `text` exactly as written (markup stays brackets)."""
    return Text(clean(text), style=style)
