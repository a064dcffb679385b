"""Locks that the processes sharing a workspace take turns with, and that name their holder.

The TUI, a CLI command in another terminal and a batch job share one workspace. SQLite's
WAL already lets readers read while one writer writes; Qdrant Edge does not share: a shard
folder may be open in one process at a time (a second opener gets `WouldBlock`). So the
index is opened for each operation under `index.lock` and closed again, and the writers
(ingest, `docs rm`, reindex) take turns under `write.lock`. Like git's `index.lock`, each
lock file says who holds it (pid, command, since when), so a process that must wait can
say for whom, and one that gives up can name it: a lock held by someone else is "busy",
never "damaged".

`flock` locks belong to an open file, so the kernel drops them when the holder dies, even
by kill -9. Within one process a lock is re-entrant (a thread-level `RLock` in front of
the file lock), so an ingest that holds the index for a batch can still search it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from retrieval.errors import RetrievalError

POLL_S = 0.05
FIRST_NOTICE_S = 1.0  # a wait shorter than this is not worth a line
NOTICE_EVERY_S = 10.0


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str
    since: float

    def describe(self) -> str:
        held = max(0, int(time.time() - self.since))
        return f"pid {self.pid} ({self.command}, for {held} s)"


def this_command() -> str:
    """What this process is, in the words a user typed (`archivist ask ...`)."""
    words = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else ["python"]
    text = " ".join(words)
    return text if len(text) <= 80 else text[:77] + "..."


def read_holder(path: Path) -> Holder | None:
    """Who the lock file says holds it (None when unreadable or empty; never raises)."""
    try:
        pid, since, command = path.read_text().split("\t", 2)
        return Holder(int(pid), command.strip(), float(since))
    except (OSError, ValueError):
        return None


class LockBusyError(RetrievalError):
    """Another process held the lock for longer than this one would wait."""

    def __init__(self, what: str, holder: Holder | None, waited: float) -> None:
        self.holder = holder
        who = holder.describe() if holder else "another process"
        super().__init__(
            f"{what} is busy: {who} holds it; waited {waited:.0f} s; try again when it ends "
            "(raise ARCHIVIST_LOCK_WAIT_S to wait longer)"
        )


Waiting = Callable[[Holder | None, float], None]  # (who holds it, seconds waited so far)
_notice: list[Waiting] = []


def set_waiting_notice(notice: Waiting | None) -> None:
    """How this process says it is waiting when a caller gives no `waiting` of its own
    (the CLI: a line on stderr; the TUI: nothing, its status line shows the work)."""
    _notice[:] = [notice] if notice else []


@dataclass
class _Shared:
    """One per lock file in this process: the thread lock, the open file, how deep."""

    thread_lock: threading.RLock
    handle: IO[str] | None = None
    locked: bool = False  # the file lock is ours (handle is None on a read-only workspace)
    depth: int = 0
    pinned: bool = False  # keep the file lock past the last release (an open shard)
    since: float = 0.0  # wall-clock time the file lock was taken


class ProcessLock:
    """An exclusive lock on `path` shared by processes and by threads of one process."""

    _shared: dict[Path, _Shared] = {}
    _registry_guard = threading.Lock()

    def __init__(self, path: Path, what: str, writing: bool = False) -> None:
        """`writing`: the lock guards writes, so a workspace where the lock file cannot be
        written raises that OSError (read-only) instead of going on without the lock."""
        self.path = path
        self.what = what
        self.writing = writing
        with self._registry_guard:
            key = path.parent.resolve() / path.name
            self._state = self._shared.setdefault(key, _Shared(threading.RLock()))

    def holder(self) -> Holder | None:
        """Who holds it now, if anyone (a free lock file may still name its last holder)."""
        try:
            with self.path.open() as probe:
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return read_holder(self.path)
                fcntl.flock(probe, fcntl.LOCK_UN)
                return None
        except OSError:
            return None

    @property
    def want_path(self) -> Path:
        return self.path.with_name(self.path.name + ".want")

    def wanted(self) -> bool:
        """Has another process asked for this lock since this one took it?"""
        if not self._state.locked:
            return False
        try:
            return self.want_path.stat().st_mtime >= self._state.since
        except OSError:
            return False

    def _ask_for_it(self) -> None:
        with contextlib.suppress(OSError):
            self.want_path.touch()

    def acquire(self, timeout_s: float, waiting: Waiting | None = None) -> None:
        started = time.monotonic()
        state = self._state
        if not state.thread_lock.acquire(timeout=max(timeout_s, 0.001)):
            holder = Holder(os.getpid(), "another task of this process", time.time())
            raise LockBusyError(self.what, holder, time.monotonic() - started)
        if not state.locked:
            try:
                state.handle = self._lock_file(started, timeout_s, waiting)
            except BaseException:
                state.thread_lock.release()
                raise
            state.locked = True
        state.depth += 1

    def _open(self) -> IO[str] | None:
        """The lock file; read-only where the workspace is (nobody can write there anyway)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self.path.open("a+")
        except OSError:
            if self.writing:
                raise
            try:
                return self.path.open()
            except OSError:
                return None

    def _lock_file(
        self, started: float, timeout_s: float, waiting: Waiting | None
    ) -> IO[str] | None:
        handle = self._open()
        if handle is None:
            return None
        next_notice = FIRST_NOTICE_S
        waiting = waiting or (_notice[0] if _notice else None)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                self._ask_for_it()
                waited = time.monotonic() - started
                if waited >= timeout_s:
                    handle.close()
                    raise LockBusyError(self.what, read_holder(self.path), waited) from None
                if waiting is not None and waited >= next_notice:
                    waiting(read_holder(self.path), waited)
                    next_notice = waited + NOTICE_EVERY_S
                time.sleep(POLL_S)
        self._state.since = time.time()
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\t{time.time():.1f}\t{this_command()}\n")
            handle.flush()
        except OSError:
            pass  # a read-only workspace: the lock still works, only the name is missing
        return handle

    def release(self) -> None:
        state = self._state
        state.depth -= 1
        if state.depth == 0 and not state.pinned:
            self._unlock_file()
        state.thread_lock.release()

    def pin(self, pinned: bool) -> None:
        """Keep the file lock when the last holder releases it (or stop keeping it); call
        while holding the lock. Another thread of this process may take it meanwhile."""
        self._state.pinned = pinned

    def _unlock_file(self) -> None:
        state = self._state
        if state.handle is not None:
            fcntl.flock(state.handle, fcntl.LOCK_UN)
            state.handle.close()
            state.handle = None
        state.locked = False

    @contextmanager
    def held(self, timeout_s: float, waiting: Waiting | None = None) -> Iterator[None]:
        self.acquire(timeout_s, waiting)
        try:
            yield
        finally:
            self.release()
