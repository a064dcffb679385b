"""Names in plain text output: file names and reasons are untrusted and may hold escapes.

A file named `ESC ]0;title BEL` or `ESC [2J` would retitle or clear the user's terminal if
printed raw. Every control or formatting character (C0, C1, DEL, bidi overrides, lone
surrogates from undecodable file names) becomes a visible escape such as `\\x1b`. Rich
markup such as `[blink red]` needs no escaping here: the CLI prints with `print`, never
through Rich, so it shows literally.
"""

from __future__ import annotations

import re

# What must not reach a terminal raw inside running text (an answer, a page): C0 controls but
# newline and tab, DEL and C1 (ESC starts terminal sequences), bidi embeddings, overrides,
# isolates and marks, zero-width characters, word joiners, invisible operators, the BOM,
# line and paragraph separators, interlinear annotations, tag characters and lone surrogates.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000e0001\U000e0020-\U000e007f]"
)


def printable(value: object) -> str:
    """`value` as text safe to print to a terminal, with invisible characters escaped."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def escape_invisible(text: str) -> str:
    """Running text with its lines and tabs kept and every invisible character escaped
    (`\\x1b`, `\\u202e`), so a model or a document cannot drive or disguise the terminal."""
    return INVISIBLE.sub(lambda m: _escape(m.group(0)), text)


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def require_utf8(value: str, what: str) -> str:
    """`value` unchanged, or a usage error when the command line held bytes that are not UTF-8.

    Python decodes such bytes in argv to lone surrogates, which the tokenizer cannot take.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        import click

        raise click.UsageError(
            f"{what} is not valid UTF-8 (byte {exc.start} cannot be decoded)"
        ) from None
    return value
