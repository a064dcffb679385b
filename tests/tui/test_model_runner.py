"""The model runner's thread ends when idle and a later job starts another: a desk dropped
without being closed (as the TUI tests' apps are) leaves no thread behind for long."""

from __future__ import annotations

import threading
import time

from tui.model_runner import ModelRunner


def test_an_idle_runner_ends_its_thread_and_the_next_job_starts_one() -> None:
    runner = ModelRunner(idle_s=0.05)
    ran: list[str] = []
    first = runner.submit("answer", lambda job: ran.append(threading.current_thread().name))
    assert first.done.wait(5)
    deadline = time.monotonic() + 5
    while runner.alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not runner.alive  # the old code's thread waited forever
    second = runner.submit("answer", lambda job: ran.append(threading.current_thread().name))
    assert second.done.wait(5) and ran == ["model-runner", "model-runner"]
    assert runner.close(1.0)
    refused = runner.submit("answer", lambda job: ran.append("after close"))
    assert refused.cancel.is_set() and ran == ["model-runner", "model-runner"]


def test_a_busy_runner_keeps_its_thread_between_jobs() -> None:
    runner = ModelRunner(idle_s=5.0)
    threads: list[threading.Thread] = []
    for _ in range(3):
        job = runner.submit("answer", lambda job: threads.append(threading.current_thread()))
        assert job.done.wait(5)
    assert len({id(t) for t in threads}) == 1 and runner.alive
    assert runner.close(1.0) and not runner.alive
