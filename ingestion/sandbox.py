"""Parse untrusted files in worker processes with a time limit and a memory cap.

A PDF can hang the parser, blow up in memory or crash the interpreter. Each worker caps
its own address space (RLIMIT_AS) and the parent kills any worker that overruns the time
limit, so one hostile file costs at most its limit and becomes a `Rejected` outcome; the
run goes on. Workers are fresh interpreters started with two pipes and nothing else: no
fork of a parent that has torch threads running, no re-import of the caller's script.

A manager thread keeps the workers busy and hands finished documents over through a
bounded queue, so parsing overlaps with whatever the caller does next (indexing). While a
question is answered on the workspace (`yield_to`, ingestion/yielding.py) the manager
stops its workers and lets their time limits wait with them.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from ingestion.errors import IngestError
from ingestion.pipeline import ParseOptions, parse_file
from ingestion.records import ParsedDocument
from ingestion.yielding import wait_for_questions


@dataclass(frozen=True)
class SandboxLimits:
    workers: int = max(1, os.cpu_count() or 1)
    time_limit_s: float = 300.0  # per document
    memory_mb: int = 2048  # address space of one worker
    yield_to: Path | None = None  # the workspace whose questions the workers give way to


@dataclass(frozen=True)
class Parsed:
    path: Path
    document: ParsedDocument
    seconds: float


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str


Outcome = Parsed | Rejected
_DONE = object()


def worker_main(read_fd: int, write_fd: int, memory_mb: int) -> None:
    """Runs in the worker process: parse paths until told to stop."""
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    outbox.send(("ready", None, 0.0))  # imports done: the time limit starts from here
    while True:
        try:
            job = inbox.recv()
        except EOFError:
            return
        if job is None:
            return
        path, options = Path(job[0]), job[1]
        started = time.monotonic()
        try:
            document = parse_file(path, options)
            outbox.send(("ok", document, time.monotonic() - started))
        except IngestError as exc:
            outbox.send(("error", str(exc), 0.0))
        except MemoryError:
            outbox.send(("error", f"{path}: exceeds the parser's memory limit ({memory_mb} MB)", 0))
        except Exception as exc:  # noqa: BLE001 - hostile input may raise anything
            outbox.send(("error", f"{path}: parser failed ({type(exc).__name__})", 0.0))


class _Worker:
    """A fresh interpreter (`python -m ingestion.worker`): nothing inherited but two pipes."""

    def __init__(self, memory_mb: int) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        command = [sys.executable, "-m", "ingestion.worker", str(to_child_r), str(from_child_w)]
        self.process = subprocess.Popen(
            [*command, str(memory_mb)],
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={
                **os.environ,
                "TOKENIZERS_PARALLELISM": "false",
                "OMP_NUM_THREADS": "1",
                "ORT_DISABLE_TELEMETRY": "1",  # no onnxruntime telemetry (app/offline.py)
            },
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.send = Connection(to_child_w, readable=False)
        self.conn = Connection(from_child_r, writable=False)
        self.job: Path | None = None
        self.ready = False
        self.deadline = 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.send.close()
        self.conn.close()


class ParsePool:
    """`for outcome in pool.parse(paths)`: outcomes in completion order."""

    def __init__(self, options: ParseOptions, limits: SandboxLimits | None = None) -> None:
        self.options = options
        self.limits = limits or SandboxLimits()
        self._workers: list[_Worker] = []

    def start(self) -> None:
        """Start the workers now (before the caller loads heavy, threaded libraries)."""
        while len(self._workers) < self.limits.workers:
            self._workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        return _Worker(self.limits.memory_mb)

    def parse(self, paths: Iterable[Path], buffer: int | None = None) -> Iterator[Outcome]:
        self.start()
        results: queue.Queue[object] = queue.Queue(maxsize=buffer or self.limits.workers)
        stop = threading.Event()
        manager = threading.Thread(
            target=self._manage, args=(list(paths), results, stop), daemon=True
        )
        manager.start()
        try:
            while True:
                item = results.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, Parsed | Rejected)
                yield item
        finally:
            stop.set()
            while manager.is_alive():
                try:
                    results.get_nowait()
                except queue.Empty:
                    manager.join(0.05)

    def _manage(
        self, todo: list[Path], results: queue.Queue[object], stop: threading.Event
    ) -> None:
        pending = list(reversed(todo))
        try:
            while (pending or any(w.job for w in self._workers)) and not stop.is_set():
                waited = wait_for_questions(
                    self.limits.yield_to,
                    lambda: self._signal(signal.SIGSTOP),
                    lambda: self._signal(signal.SIGCONT),
                    stop.is_set,
                )
                for worker in self._workers:
                    worker.deadline += waited  # a stopped worker's time limit waits too
                for worker in self._workers:
                    if worker.ready and worker.job is None and pending:
                        worker.job = pending.pop()
                        worker.deadline = time.monotonic() + self.limits.time_limit_s
                        worker.send.send((str(worker.job), self.options))
                busy = [w for w in self._workers if w.job is not None or not w.ready]
                deadlines = [w.deadline for w in busy if w.job is not None]
                timeout = max(
                    0.0, min(deadlines, default=time.monotonic() + 0.5) - time.monotonic()
                )
                ready = wait([w.conn for w in busy], timeout=min(timeout, 0.5))
                for worker in busy:
                    if worker.conn in ready and not worker.ready:
                        self._boot(worker)
                    elif worker.conn in ready:
                        self._collect(worker, results)
                    elif worker.job is not None and time.monotonic() > worker.deadline:
                        reason = (
                            f"{worker.job}: parsing took longer than the limit "
                            f"({self.limits.time_limit_s:g} s)"
                        )
                        self._replace(worker, results, reason)
        except BaseException as exc:  # noqa: BLE001 - surfaced in the consumer thread
            results.put(exc)
        results.put(_DONE)

    def _signal(self, number: signal.Signals) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.process.send_signal(number)

    def _boot(self, worker: _Worker) -> None:
        try:
            worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.kill()
            raise IngestError(
                "a parsing worker could not start "
                f"(is parse_memory_mb={self.limits.memory_mb} too low?)"
            ) from exc
        worker.ready = True

    def _collect(self, worker: _Worker, results: queue.Queue[object]) -> None:
        job = worker.job
        assert job is not None
        try:
            status, value, seconds = worker.conn.recv()
        except (EOFError, OSError):
            code = worker.process.poll()
            self._replace(worker, results, f"{job}: parser crashed (exit {code}; memory limit?)")
            return
        worker.job = None
        if status == "ok":
            results.put(Parsed(job, value, seconds))
        else:
            results.put(Rejected(job, value))

    def _replace(self, worker: _Worker, results: queue.Queue[object], reason: str) -> None:
        job = worker.job
        assert job is not None
        worker.kill()
        self._workers[self._workers.index(worker)] = self._spawn()
        results.put(Rejected(job, reason))

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.send.send(None)
        for worker in self._workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(2)
            worker.kill()
        self._workers = []

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
