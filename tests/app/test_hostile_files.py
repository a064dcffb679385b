"""Files that are not regular files, unbounded reads, the terminal and LIKE wildcards
(issue 24 items 10, 11 and 18), against the real command in a real process where a hang or
a memory blow-up is the failure: each run has a timeout and an address-space limit, so the
old behaviour fails the test instead of stalling or exhausting the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.services.ingest import IngestReport, ingest
from app.workspace import Workspace
from tests.cli_runner import archivist, one_line_error

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 3 * 1024**3  # old code read /dev/zero until MemoryError (2.7 GB under 3 GB)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(
    *args: str, home: Path, stdin: int | None = subprocess.DEVNULL, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARCHIVIST_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=_limit_memory,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_a_fifo_named_to_ingest_is_rejected_without_holding_the_lock(
    tmp_path: Path, workspace: Workspace
) -> None:
    """It blocked forever holding the ingest lock; every other ingest was then refused."""
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    reports: list[object] = []
    worker = threading.Thread(target=lambda: reports.append(ingest(workspace, [fifo])))
    worker.start()
    worker.join(60)
    if worker.is_alive():  # the old behaviour: release the reader, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(30)
        pytest.fail("ingest of a FIFO blocked")
    [report] = reports
    assert isinstance(report, IngestReport)
    assert [r["reason"] for r in report.rejected] == [
        f"{fifo}: not a regular file (a FIFO, a socket or a device)"
    ]
    real = tmp_path / "real.txt"
    real.write_text("Capital expenditures were 412 million dollars.")
    assert len(ingest(workspace, [real]).ingested) == 1  # the lock is free


@pytest.mark.slow  # the real command in a process: a FIFO must not hang it
def test_the_ingest_command_refuses_a_fifo_with_one_line(
    tmp_path: Path, archivist_home: Path
) -> None:
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    result = run("ingest", str(fifo), home=archivist_home, timeout=120)
    assert result.returncode == 3, result.stderr
    assert "not a regular file" in one_line(result)


def test_a_fifo_or_socket_in_a_folder_is_listed_as_skipped(
    tmp_path: Path, workspace: Workspace
) -> None:
    folder = tmp_path / "filings"
    folder.mkdir()
    (folder / "real.txt").write_text("Revenue was 5.2 billion dollars.")
    os.mkfifo(folder / "pipe.txt")
    report = ingest(workspace, [folder])
    assert [Path(str(item["path"])).name for item in report.ingested] == ["real.txt"]
    skipped = {Path(str(s["path"])).name: s["reason"] for s in report.skipped}
    assert skipped == {"pipe.txt": "not a regular file (a FIFO, a socket or a device)"}


@pytest.mark.slow  # a process with a memory limit: the old code read /dev/zero to the end
@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_a_json_schema_that_never_ends_or_never_comes_is_refused(
    source: str, tmp_path: Path, archivist_home: Path
) -> None:
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "schema.json"
        os.mkfifo(path)
    result = run("ask", "What?", "--json-schema", str(path), home=archivist_home)
    assert result.returncode == 3, result.stderr
    line = one_line(result)
    assert str(path) in line and ("not a regular file" in line or "not valid JSON" in line)


def test_an_oversized_json_schema_file_is_refused_while_reading(
    tmp_path: Path, archivist_home: Path
) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"type": "object"' + " " * (2 * 1024 * 1024) + "}")
    result = archivist("ask", "What?", "--json-schema", str(big), home=archivist_home)
    assert result.returncode == 3
    assert "larger than the 1 MB limit" in one_line_error(result)


@pytest.mark.slow  # a process with a memory limit, as above
def test_eval_questions_from_dev_zero_are_refused(archivist_home: Path) -> None:
    result = run("eval", "retrieval", "/dev/zero", home=archivist_home)
    assert result.returncode == 3, result.stderr
    assert "not a regular file" in one_line(result)


@pytest.mark.slow  # the real command in a process without a terminal
def test_the_terminal_ui_without_a_terminal_says_so(archivist_home: Path) -> None:
    """stdin closed: a Rich traceback and exit 0; stdin at EOF and stdout a pipe: never
    exited, drawing escape sequences into the pipe."""
    expected = "archivist: the terminal UI needs a terminal; use the CLI commands"
    closed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.close(0); sys.stdin = None; from app.cli import main; main()",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        env={**os.environ, "ARCHIVIST_HOME": str(archivist_home), "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert closed.returncode == 2 and one_line(closed).startswith(expected), closed.stderr
    piped = run(home=archivist_home, timeout=60)
    assert piped.returncode == 2 and one_line(piped).startswith(expected)
    assert piped.stdout == ""


@pytest.mark.parametrize("key", ["%%%%%%%%", "________"])
def test_docs_rm_wildcards_are_literal(key: str, tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / "NORTHWIND_2023_10K.txt"
    path.write_text("Capital expenditures were 412 million dollars.")
    ingest(workspace, [path])
    workspace.close()
    result = archivist("docs", "rm", key)
    assert result.returncode == 3
    assert "no document matches" in one_line_error(result)
    listed = json.loads(archivist("docs", "list", "--json").stdout)
    assert [d["name"] for d in listed] == ["NORTHWIND_2023_10K"]
