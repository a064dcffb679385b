"""Questions come first: background ingestion yields the cores while one is answered.

On a laptop an ingest (its parse workers and the embedder) and a question share a few
cores, and the analyst waits for the first token while they compete: a prefill on two
cores shared with an ingest runs at a fraction of its speed. So the process answering a
question holds a marker in the workspace (`answering/<pid>.<n>`) while it generates, and
the ingest, between batches, looks for one: while any live process holds a marker it
stops its parse workers (SIGSTOP; their time limit is paused with them) and waits before
its next embedding batch. A marker whose process has died is removed and ignored, so a
killed asker never stalls an ingest, and a wait never lasts past `MAX_WAIT_S`.

Process markers rather than a lock: the TUI answers and ingests in one process, and
several terminals may ask at once; each holder has its own file.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

FOLDER = "answering"
POLL_S = 0.1
MAX_WAIT_S = 900.0  # one answer on a slow CPU; past this the ingest goes on regardless
_numbers = itertools.count()
_lock = threading.Lock()


def marker_folder(home: Path) -> Path:
    return home / FOLDER


@contextlib.contextmanager
def answering(home: Path) -> Iterator[None]:
    """Hold a marker while a question is answered (generation, not retrieval: the
    question's own embedding must not wait for itself)."""
    folder = marker_folder(home)
    with _lock:
        number = next(_numbers)
    path = folder / f"{os.getpid()}.{number}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:  # a read-only workspace still answers; the ingest just does not yield
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def question_waiting(home: Path) -> bool:
    """Whether a live process is answering a question on this workspace now."""
    try:
        entries = list(os.scandir(marker_folder(home)))
    except OSError:
        return False
    for entry in entries:
        try:
            pid = int(entry.name.split(".", 1)[0])
        except ValueError:
            continue
        if _alive(pid):
            return True
        with contextlib.suppress(OSError):
            os.unlink(entry.path)  # its process died mid-answer
    return False


def wait_for_questions(
    home: Path | None,
    pause: Callable[[], None] | None = None,
    resume: Callable[[], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> float:
    """Wait while a question is answered; returns the seconds waited (0.0 when none was).

    `pause`/`resume` run once around the wait (the parse pool stops and continues its
    workers); `stop` ends the wait early (the ingest was cancelled)."""
    if home is None or not question_waiting(home):
        return 0.0
    began = time.monotonic()
    if pause is not None:
        pause()
    try:
        while question_waiting(home) and time.monotonic() - began < MAX_WAIT_S:
            if stop is not None and stop():
                break
            time.sleep(POLL_S)
    finally:
        if resume is not None:
            resume()
    return time.monotonic() - began
