"""The lock that processes sharing a workspace take turns with: it names its holder, a
waiter says for whom it waits and gives up naming it, and threads of one process share it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from retrieval.process_lock import LockBusyError, ProcessLock

ROOT = Path(__file__).resolve().parents[2]


def hold_in_another_process(path: Path, seconds: float) -> subprocess.Popen[str]:
    """A process that takes the lock, says so on stdout, and keeps it for `seconds`."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from retrieval.process_lock import ProcessLock\n"
        f"lock = ProcessLock(Path({str(path)!r}), 'the library')\n"
        "lock.acquire(5)\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, "ingest", "reports/"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_waiter_names_the_holder_and_gives_up_after_its_wait(tmp_path: Path) -> None:
    path = tmp_path / "write.lock"
    holder = hold_in_another_process(path, 30)
    try:
        lock = ProcessLock(path, "the library")
        seen = lock.holder()
        assert seen is not None and seen.pid == holder.pid
        assert "ingest reports/" in seen.command
        notices: list[float] = []
        started = time.monotonic()
        with pytest.raises(LockBusyError) as caught:
            lock.acquire(1.5, lambda who, waited: notices.append(waited))
        assert time.monotonic() - started >= 1.5
        message = str(caught.value)
        assert f"pid {holder.pid}" in message and "the library is busy" in message
        assert "reindex" not in message and "damage" not in message
        assert notices, "the waiter said it was waiting"
        assert lock.wanted() is False  # this process never held it
    finally:
        holder.kill()
        holder.wait()
    with ProcessLock(path, "the library").held(5):  # the kernel dropped the dead holder's
        pass


def test_the_waiter_gets_it_when_the_holder_ends(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    holder = hold_in_another_process(path, 1.0)
    lock = ProcessLock(path, "the index")
    try:
        with lock.held(30):
            assert lock.holder() is not None  # ours now, and named
    finally:
        holder.wait()
    assert holder.returncode == 0


def test_threads_of_one_process_take_turns_and_nest(tmp_path: Path) -> None:
    lock = ProcessLock(tmp_path / "index.lock", "the index")
    inside = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        for _ in range(20):
            with lock.held(10), lock.held(10):  # re-entrant in one thread
                with guard:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.001)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_a_waiting_process_makes_the_holder_see_it_is_wanted(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    lock = ProcessLock(path, "the index")
    with lock.held(5):
        assert not lock.wanted()
        script = (
            "from pathlib import Path\n"
            "from retrieval.process_lock import ProcessLock, LockBusyError\n"
            f"lock = ProcessLock(Path({str(path)!r}), 'the index')\n"
            "try:\n    lock.acquire(0.5)\nexcept LockBusyError:\n    print('busy')\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert done.stdout.strip() == "busy", done.stderr
        assert lock.wanted()
