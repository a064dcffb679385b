"""Free space is checked before the index grows, because a full disk kills the process.

Qdrant Edge keeps its segments and its write-ahead log in memory-mapped files it sizes
sparsely (about 150 MB apparent for an empty shard) and fills page by page. A page touched
on a full file system cannot be backed, and the kernel answers with SIGBUS: no exception,
no message, exit 135, and a half-written shard that kills every later `ask` and `doctor`
the same way. Nothing can catch that in Python, so the index is never grown without room
for what the write will take, estimated from the points and measured on tmpfs, where
every touched page is charged at once (the worst case): an empty shard with its payload
indexes takes 11.2 MB there (0.3 MB on ext4), and a point 7.2 KB (384 dimensions, a
1,100-character chunk).
"""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from retrieval.errors import RetrievalError
from retrieval.store import IndexedPoint

MB = 1024 * 1024
SHARD_BYTES = 12 * MB  # a new, empty shard with its payload indexes (11.2 MB measured)
HEADROOM_BYTES = 4 * MB  # never write the last megabytes: the catalogue needs some too
# Each point is written twice (the write-ahead log, then the segment) and indexed: three
# times its raw size covers the 7.2 KB measured for a 3.1 KB point.
COPIES = 3


class NoSpaceError(RetrievalError):
    """Not enough free space to grow the index (or a write found the disk full)."""

    def __init__(self, free: int, needed: int, message: str | None = None) -> None:
        self.free, self.needed = free, needed
        super().__init__(
            message
            or f"no space left on device: {_mb(free)} MB free, {_mb(needed)} needed; free "
            "some space and run the same command again (nothing written so far is lost)"
        )


def point_bytes(point: IndexedPoint) -> int:
    """What one point takes on disk at most: dense floats, BM25 terms, payload, ×COPIES."""
    dense = 4 * len(point.dense) if point.dense is not None else 0
    sparse = 8 * len(point.text.split())  # a term id and a weight per word, at most
    payload = len(json.dumps(point.payload, default=str))
    return COPIES * (dense + sparse + payload + 64)


def bytes_needed(points: Sequence[IndexedPoint]) -> int:
    return sum(point_bytes(p) for p in points) + HEADROOM_BYTES


def free_bytes(folder: Path) -> int:
    """Free space where `folder` lives (its nearest existing parent when it is not made yet)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return shutil.disk_usage(Path.cwd()).free


def require_space(folder: Path, needed: int) -> None:
    """Refuse, with one line, a write of `needed` bytes into `folder` that would not fit."""
    free = free_bytes(folder)
    if free < needed:
        raise NoSpaceError(free, needed)


def require_space_for(folder: Path, points: Sequence[IndexedPoint]) -> None:
    """Before an upsert: the points, and a new shard's files when there is none yet."""
    fresh = not (folder / "edge_config.json").exists()
    require_space(folder, bytes_needed(points) + (SHARD_BYTES if fresh else 0))


def space_error(exc: BaseException, folder: Path) -> NoSpaceError | None:
    """The one line for a write the disk refused anyway (ENOSPC, EDQUOT), else None."""
    codes = (errno.ENOSPC, errno.EDQUOT)
    text = str(exc).lower()
    if (isinstance(exc, OSError) and exc.errno in codes) or "no space left" in text:
        return NoSpaceError(free_bytes(folder), HEADROOM_BYTES)
    return None


def _mb(size: int) -> str:
    return f"{size / MB:.1f}" if size < 10 * MB else f"{size // MB}"
