"""Document and model text is data: it is never parsed as Rich markup, and invisible
characters are shown as visible escapes, never sent to the terminal: controls (a PDF can
hold `\\x1b[2J`), and the bidi overrides, zero-width characters and BOMs that make text read
other than it is (a company named with U+202E shows reversed). The CLI escapes the same set
(`app.plain_text.escape_invisible`)."""

from __future__ import annotations

from rich.text import Text

from app.plain_text import escape_invisible


def clean(text: str) -> str:
    return escape_invisible(text)


def literal(text: str, style: str = "") -> Text:
    """A Text that shows `text` exactly as written (markup stays brackets)."""
    return Text(clean(text), style=style)
