"""Background ingestion yields the cores while a question is answered on the workspace."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from ingestion.pipeline import ParseOptions
from ingestion.sandbox import Parsed, ParsePool, SandboxLimits
from ingestion.yielding import answering, marker_folder, question_waiting, wait_for_questions
from tests.conftest import make_pdf


def test_a_marker_lives_as_long_as_its_holder(tmp_path: Path) -> None:
    assert not question_waiting(tmp_path)
    with answering(tmp_path):
        assert question_waiting(tmp_path)
        with answering(tmp_path):  # two answers in one process (the TUI and a worker)
            assert question_waiting(tmp_path)
        assert question_waiting(tmp_path)
    assert not question_waiting(tmp_path)
    assert wait_for_questions(tmp_path) == 0.0


def test_a_marker_left_by_a_dead_process_is_ignored_and_removed(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    folder = marker_folder(tmp_path)
    folder.mkdir()
    (folder / f"{dead.stdout.strip()}.0").touch()
    assert not question_waiting(tmp_path)
    assert os.listdir(folder) == []


def test_parse_workers_stop_while_a_question_is_answered(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "REPORT.pdf", ["Revenue was 5 million dollars."])
    outcomes: list[tuple[float, object]] = []
    limits = SandboxLimits(workers=1, time_limit_s=60, yield_to=tmp_path)

    def parse() -> None:
        with ParsePool(ParseOptions(), limits) as pool:
            for outcome in pool.parse([pdf]):
                outcomes.append((time.monotonic(), outcome))

    with answering(tmp_path):
        worker = threading.Thread(target=parse)
        worker.start()
        time.sleep(2.0)  # a free worker parses this page in ~0.4 s on 2 cores
        assert outcomes == []  # the worker is stopped while the answer runs
        released = time.monotonic()
    worker.join(120)
    [(at, outcome)] = outcomes
    assert isinstance(outcome, Parsed) and at >= released
