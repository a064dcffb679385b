"""Read a small input file (a JSON schema, a questions file) with its size bound applied
while reading, never after.

`Path.read_text` reads until the end: `/dev/zero` never ends (memory runs out), and opening a
FIFO with no writer waits forever. Here the file is opened without waiting for a writer, a
device or a socket is refused, and reading stops one byte past the bound. A pipe (`<(cat
schema.json)`, `/dev/stdin`) still works: it is read to its end or to the bound. Errors are
`OSError`s with a plain `strerror`, so callers keep their one-line "cannot read" messages.
It lives in `ingestion`, the lowest layer, so `retrieval` and `app` share it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

MB = 1024 * 1024
_BLOCK = 1024 * 1024


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes; an `OSError` when it is not a file or a pipe, or holds more than
    `limit` bytes."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, "it is a folder")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise OSError(errno.EINVAL, "not a regular file (a device or a socket)")
        # Blocking reads from here: a FIFO with no writer reads as empty instead of waiting.
        flags = fcntl.fcntl(descriptor, fcntl.F_GETFL)
        fcntl.fcntl(descriptor, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(_BLOCK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise OSError(errno.EFBIG, f"larger than the {_describe(limit)} limit")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_text_bounded(path: Path, limit: int) -> str:
    """`read_bounded` decoded as UTF-8 (a `UnicodeDecodeError` as `read_text` raises it)."""
    return read_bounded(path, limit).decode("utf-8")


def _describe(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{limit // 1024} KB"
