"""A read-only workspace's index, opened from a private copy.

Qdrant Edge maps its segment files for writing even to read them ("Failed to open mmap
payload storage: Read-only file system"), so on a read-only mount or a backup restored
without write permission the index cannot be opened in place. Commands that only read
(`ask`, `doctor`, `eval`) then open a copy in the temporary folder, removed on close. The
files are sparse (an empty shard is ~150 MB apparent, 0.3 MB on disk), so only their data
is copied.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import tempfile
from pathlib import Path

CHUNK = 1024 * 1024


def private_copy(folder: Path) -> Path:
    """A temporary copy of `folder` (holes kept as holes); the caller removes it."""
    target = Path(tempfile.mkdtemp(prefix="archivist-index-"))
    atexit.register(remove_copy, target)  # also when the command ends without closing
    for source in sorted(folder.rglob("*")):
        destination = target / source.relative_to(folder)
        if source.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif source.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            _copy_sparse(source, destination)
    return target


def remove_copy(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _copy_sparse(source: Path, destination: Path) -> None:
    size = source.stat().st_size
    with source.open("rb") as reader, destination.open("wb") as writer:
        for start, end in _data_extents(reader.fileno(), size):
            reader.seek(start)
            writer.seek(start)
            left = end - start
            while left > 0:
                block = reader.read(min(CHUNK, left))
                if not block:
                    break
                writer.write(block)
                left -= len(block)
        writer.truncate(size)


def _data_extents(fd: int, size: int) -> list[tuple[int, int]]:
    """Where the file holds data; the whole file where the system cannot say."""
    if not hasattr(os, "SEEK_DATA"):
        return [(0, size)]
    extents = []
    position = 0
    try:
        while position < size:
            start = os.lseek(fd, position, os.SEEK_DATA)
            end = os.lseek(fd, start, os.SEEK_HOLE)
            extents.append((start, end))
            position = end
    except OSError as exc:
        if exc.errno != errno.ENXIO:  # ENXIO: no data after `position`; else not supported
            return [(0, size)]
    return extents
