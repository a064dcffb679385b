"""One queue for everything the desk asks of the model: answers, summaries, model switches.

The model is not reentrant, so jobs run one at a time on one thread. Each job carries its
own cancel token, which the engine checks before every token: cancelling the running job
stops it within one token, cancelling a waiting one takes it out of the queue at once. No
lock is held while a job runs (the queue's lock guards only the queue), so a question
asked during a summary is queued, can say what it waits for, and runs after it. The thread
is a daemon: leaving the desk cancels every job and waits a moment, never for a model.
It also ends after `idle_s` with nothing to do (the next job starts another), so a desk
that is dropped without being closed leaves no thread behind for long.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from model_runtime.engine import Engine, GenerationLimits, Message, Mode, ModelInfo
from model_runtime.events import Event

ANSWER = "answer"
SUMMARY = "summary"
MODEL = "model switch"
IDLE_S = 30.0  # an idle runner's thread ends after this long; the next job starts one


@dataclass(eq=False)
class Job:
    """One piece of model work. `work` runs on the runner's thread, given the job (its
    cancel token, its step) and reports through its own callbacks; `dropped` runs instead
    (on the caller's thread) when the job is cancelled before it starts."""

    kind: str
    work: Callable[[Job], None]
    dropped: Callable[[], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    step: tuple[int, int] | None = None  # a summary's (steps written, steps planned)
    started: bool = False

    def describe(self) -> str:
        """What a job queued behind this one shows: 'the summary (step 3 of 7)'."""
        if self.kind == SUMMARY and self.step is not None:
            done, total = self.step
            return f"the summary (step {min(done + 1, total)} of {total})"
        return f"the {self.kind}"


class ModelRunner:
    """Runs model jobs in the order they were submitted, one at a time."""

    def __init__(self, idle_s: float = IDLE_S) -> None:
        self._idle_s = idle_s
        self._lock = threading.Condition()  # guards _queue, _running, _closed; never held by work
        self._queue: deque[Job] = deque()
        self._running: Job | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(
        self,
        kind: str,
        work: Callable[[Job], None],
        dropped: Callable[[], None] | None = None,
    ) -> Job:
        job = Job(kind, work, dropped)
        with self._lock:
            if self._closed:
                job.cancel.set()
                job.done.set()
                return job
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="model-runner", daemon=True)
                self._thread.start()
            self._lock.notify()
        return job

    @property
    def alive(self) -> bool:
        """Its thread still runs (it ends once `close` has stopped the job it ran)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def running(self) -> Job | None:
        with self._lock:
            return self._running

    def ahead_of(self, job: Job) -> Job | None:
        """The job that keeps `job` waiting (the running one), or None once it runs."""
        with self._lock:
            if job.started or job not in self._queue:
                return None
            return self._running or next(iter(self._queue), None)

    def cancel(self, job: Job) -> None:
        """Stop `job` within one token if it runs; drop it if it still waits."""
        job.cancel.set()
        with self._lock:
            waiting = job in self._queue
            if waiting:
                self._queue.remove(job)
        if waiting:
            self._finish_dropped(job)

    def cancel_running(self) -> Job | None:
        """Esc: stop whichever job is running (a waiting question then runs)."""
        job = self.running
        if job is not None:
            job.cancel.set()
        return job

    def cancel_kind(self, kind: str) -> None:
        with self._lock:
            jobs = [j for j in (self._running, *self._queue) if j is not None and j.kind == kind]
        for job in jobs:
            self.cancel(job)

    def close(self, wait_s: float) -> bool:
        """Cancel every job and refuse new ones; True when the thread stopped within
        `wait_s` (the workspace is then free to close)."""
        with self._lock:
            self._closed = True
            dropped = list(self._queue)
            self._queue.clear()
            running, thread = self._running, self._thread
            self._lock.notify_all()
        if running is not None:
            running.cancel.set()
        for job in dropped:
            job.cancel.set()
            self._finish_dropped(job)
        if thread is None:
            return True
        thread.join(wait_s)
        return not thread.is_alive()

    @staticmethod
    def _finish_dropped(job: Job) -> None:
        try:
            if job.dropped is not None:
                job.dropped()
        finally:
            job.done.set()

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    if not self._lock.wait(self._idle_s) and not self._queue:
                        self._thread = None  # under the lock: `submit` starts a new one
                        return
                if self._closed:
                    return
                job = self._queue.popleft()
                job.started = True
                self._running = job
            try:
                job.work(job)
            except Exception:  # noqa: BLE001, S112 - a job reports its own errors; the runner lives on
                pass
            finally:
                with self._lock:
                    self._running = None
                job.done.set()


class JobCancelled(Exception):  # noqa: N818 - a state, not a fault
    """A job's model step was stopped by its cancel token; nothing it wrote is kept."""


class CancellableEngine:
    """An engine whose every stream stops at one job's cancel token (within a token, as
    the engine checks it) and then raises `JobCancelled`, so a summary step cut short is
    never saved as a checkpoint: the summary resumes at that step next time."""

    def __init__(self, engine: Engine, cancel: threading.Event) -> None:
        self._engine = engine
        self._cancel = cancel

    @property
    def context_length(self) -> int:
        return self._engine.context_length

    @property
    def model_name(self) -> str:
        return self._engine.model_name

    @property
    def model_info(self) -> ModelInfo:
        return self._engine.model_info

    def count_tokens(self, text: str) -> int:
        return self._engine.count_tokens(text)

    def stream(
        self, messages: list[Message], mode: Mode, limits: GenerationLimits
    ) -> Iterator[Event]:
        if self._cancel.is_set():
            raise JobCancelled
        yield from self._engine.stream(messages, mode, replace(limits, cancel=self._cancel))
        if self._cancel.is_set():
            raise JobCancelled

    def __getattr__(self, name: str) -> Any:  # the rest of a real engine (render_prompt, ...)
        return getattr(self._engine, name)
