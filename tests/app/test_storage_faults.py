"""Storage faults (issue 24, items 1-3): a full disk, a KV cache that cannot be written, a
read-only workspace. Real file systems: a small tmpfs and read-only bind mounts (root only;
skipped with the reason elsewhere)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_runtime.engine import GenerationLimits, Message, Mode
from model_runtime.events import AnswerDelta, Usage
from model_runtime.kv_cache import KvCache
from model_runtime.llama_engine import LlamaCppEngine
from tests.cli_runner import archivist, one_line_error

WORDS = [
    "revenue",
    "capital",
    "expenditure",
    "million",
    "cash",
    "flow",
    "operating",
    "income",
    "risk",
    "market",
]


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mounting is not permitted here ({done.stderr.strip()[:80]})")


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB tmpfs: too small for a new index (it needs ~11 MB there)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk))
    yield disk
    _umount(disk)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(a writable folder, the same folder mounted read-only)."""
    source, view = tmp_path / "rw", tmp_path / "ro"
    source.mkdir()
    view.mkdir()
    _mount("--bind", "-o", "ro", str(source), str(view))
    yield source, view
    _umount(view)


def reports(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        words = [WORDS[(n + i * 7) % len(WORDS)] for i in range(8000)]
        (folder / f"report{n}.txt").write_text(" ".join(words))
    return folder


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command in its own process: a SIGBUS must not take pytest with it."""
    env = {**os.environ, "ARCHIVIST_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=600
    )


def library(home: Path) -> list[tuple[str, str, int]]:
    done = run(home, "docs", "list", "--json")
    assert done.returncode == 0, done.stderr
    return sorted((d["name"], d["status"], d["chunk_count"]) for d in json.loads(done.stdout))


@pytest.mark.slow  # three `archivist` processes and an ingest
def test_full_disk_is_one_line_and_the_rerun_completes(small_disk: Path, tmp_path: Path) -> None:
    folder = reports(tmp_path / "reports")
    home = small_disk / "ws"
    full = run(home, "ingest", str(folder), "--no-progress")
    assert full.returncode == 7, (full.returncode, full.stderr[-400:])  # was -7 (SIGBUS)
    line = [x for x in full.stderr.splitlines() if x.strip()][-1]
    assert re.search(r"no space left on device: [\d.]+ MB free, [\d.]+ needed", line), line
    doctor = run(home, "doctor")
    assert doctor.returncode in (0, 1), doctor.returncode  # reports, never a signal
    assert "disk space" in doctor.stdout
    assert run(home, "ask", "What was revenue?").returncode >= 0
    # Free space (a larger disk) and run the same ingest: the library of a clean run.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = run(home, "ingest", str(folder), "--no-progress")
    assert again.returncode == 0, again.stderr[-400:]
    clean = tmp_path / "clean"
    assert run(clean, "ingest", str(folder), "--no-progress").returncode == 0
    assert library(home) == library(clean)


def test_kv_save_on_a_full_disk_is_skipped_and_leaves_nothing(small_disk: Path) -> None:
    cache = KvCache(small_disk / "kv")
    assert cache.save("k", [1, 2, 3], bytes(8 * 1024 * 1024)) is False  # was OSError
    assert "not saved" in cache.save_error and "No space left" in cache.save_error
    assert list(cache.folder.iterdir()) == []  # was a <key>.<pid>.tmp left behind


def test_stale_kv_temporaries_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "kv"
    folder.mkdir()
    dead = folder / "abc.999999999.tmp"  # no such process
    live = folder / f"def.{os.getppid()}.tmp"  # a save still under way elsewhere
    dead.write_bytes(b"x" * 100)
    live.write_bytes(b"y")
    KvCache(folder)
    assert not dead.exists() and live.exists()


def test_answer_streams_when_the_kv_cache_is_read_only(
    read_only: tuple[Path, Path], tiny_models: dict[str, Path]
) -> None:
    source, view = read_only
    (source / "kv").mkdir()
    cache = KvCache(view / "kv")
    engine = LlamaCppEngine(
        tiny_models["qwen3"], "tiny", 2048, threads=1, model_id="m1", kv_cache=cache,
        overrides={"kv_disk": "always"},
    )  # fmt: skip
    report = "Capital expenditures were 412 million dollars in fiscal 2023. " * 12
    messages: list[Message] = [
        {"role": "system", "content": "Answer from the sources."},
        {"role": "user", "content": f"Sources:\n\n{report}\n\nQuestion: What was capex?"},
    ]
    events = list(engine.stream(messages, Mode.FAST, GenerationLimits(8)))  # was Errno 30
    usage = events[-1]
    assert isinstance(usage, Usage) and usage.completion_tokens > 0
    assert any(isinstance(e, AnswerDelta) for e in events)
    assert "KV cache was not saved" in usage.note and "Read-only" in usage.note


def test_read_only_workspace_reads_and_refuses_writes_plainly(
    read_only: tuple[Path, Path], tmp_path: Path
) -> None:
    source, view = read_only
    folder = reports(tmp_path / "reports", count=1)
    assert archivist("ingest", str(folder), "--no-progress", home=source).returncode == 0
    listed = archivist("docs", "list", home=view)
    assert listed.returncode == 0 and "report0" in listed.stdout  # was "cannot be read"
    doctor = json.loads(archivist("doctor", "--json", home=view).stdout)["workspace"]
    assert doctor["catalogue"]["ok"] and doctor["index readable"]["ok"], doctor
    assert doctor["index in sync"]["ok"], doctor  # the index opened, from a private copy
    refused = archivist("ingest", str(folder / "report0.txt"), home=view)
    assert refused.returncode != 0
    assert "the workspace is read-only" in one_line_error(refused)
    assert "restore" not in refused.stderr
