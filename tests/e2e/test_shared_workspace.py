"""One library, several processes: a long-lived holder (as the TUI is), an ingest running,
a reindex, and CLI commands beside them, all on one workspace. Reads never fail, writes
take turns, nothing in use is reported as damage, and no answer is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.errors import ExitCode
from app.settings import load_settings
from app.workspace import Workspace
from tests.cli_runner import archivist
from tests.conftest import REPORT_PAGES, make_pdf

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What were capital expenditures?"


def start(script: str, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ARCHIVIST_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


# What the TUI does: one workspace kept for the whole session, a question's search, and
# the library read again later (after other processes changed it).
HOLDER = """
import sys, time
from app.services.ask import prepare
from app.settings import load_settings
from app.workspace import Workspace
workspace = Workspace(load_settings())
prepare(workspace, "What were capital expenditures?", document_names=None)
print("searched", flush=True)
sys.stdin.readline()
prepare(workspace, "What were capital expenditures?", document_names=None)
print(sorted(d.name for d in workspace.catalogue.documents()), flush=True)
"""


def ask_json(home: Path, model: Path) -> dict[str, object]:
    done = archivist(
        "ask", QUESTION, "--json", "--mode", "fast", home=home,
        env={"ARCHIVIST_MODEL": str(model), "ARCHIVIST_MAX_ANSWER_TOKENS": "16"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "cannot be read" not in done.stderr and "reindex" not in done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_cli_commands_work_while_another_process_holds_the_workspace(
    archivist_home: Path, report_pdf: Path, tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    assert archivist("ingest", str(report_pdf)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "searched"
        answer = ask_json(archivist_home, tiny_models["qwen3"])
        assert answer["answer"]
        listed = archivist("docs", "list", "--json")
        assert listed.returncode == 0 and "NORTHWIND_2023_10K" in listed.stdout
        other = make_pdf(tmp_path / "CONTOSO_2022_10K.pdf", ["Contoso capital spending."] * 3)
        assert archivist("ingest", str(other)).returncode == 0
        doctor = archivist("doctor", "--json", env={"ARCHIVIST_MODEL": str(tmp_path / "x.gguf")})
        assert "cannot be read" not in doctor.stdout
        removed = archivist("docs", "rm", "NORTHWIND_2023_10K")
        assert removed.returncode == 0, removed.stderr
        stdout, stderr = holder.communicate("\n", timeout=300)
    finally:
        holder.kill()
    assert holder.returncode == 0, stderr
    assert stdout.splitlines()[-1] == "['CONTOSO_2022_10K']"  # it sees the others' changes


def filings(folder: Path, count: int, pages: int) -> list[Path]:
    folder.mkdir()
    return [
        make_pdf(
            folder / f"FILER{n}_2023_10K.pdf",
            [f"Filer {n} page {p}. " + " ".join(REPORT_PAGES) for p in range(pages)],
        )
        for n in range(count)
    ]


def library_state(home: Path) -> tuple[list[tuple[str, str, int, int]], int]:
    workspace = Workspace(load_settings(home=home))
    try:
        documents = sorted(
            (d.name, d.status, d.page_count, d.chunk_count) for d in workspace.catalogue.documents()
        )
        return documents, workspace.store.count()
    finally:
        workspace.close()


def test_ask_list_and_rm_during_an_ingest_all_succeed_and_the_ingest_completes(
    archivist_home: Path, tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    files = filings(tmp_path / "filings", count=4, pages=25)
    ingest = start(
        "from app.cli import main; import sys; sys.argv = ['archivist', 'ingest', *sys.argv[1:]];"
        " main()",
        archivist_home,
        *map(str, files),
    )
    try:
        deadline = time.monotonic() + 240
        searchable: list[str] = []
        while not searchable and time.monotonic() < deadline and ingest.poll() is None:
            time.sleep(0.3)
            listed = archivist("docs", "list", "--json")
            assert listed.returncode == 0, listed.stderr  # reads never fail
            searchable = [
                d["name"]
                for d in json.loads(listed.stdout or "[]")
                if d["status"] in ("searchable", "ready")
            ]
        assert searchable, "the ingest made a document searchable"
        assert ask_json(archivist_home, tiny_models["qwen3"])["answer"]
        removed = archivist("docs", "rm", searchable[0])  # waits for the ingest's turn
        assert removed.returncode == 0, removed.stderr
        _, stderr = ingest.communicate(timeout=600)
    finally:
        ingest.kill()
    assert ingest.returncode == 0, stderr

    clean = tmp_path / "clean"
    done = archivist("ingest", *[str(f) for f in files if f.stem != searchable[0]], home=clean)
    assert done.returncode == 0, done.stderr
    assert library_state(archivist_home) == library_state(clean)


READER = """
import sys, time
from app.services.ask import prepare
from app.settings import load_settings
from app.workspace import Workspace
workspace = Workspace(load_settings())
found = failed = 0
print("reading", flush=True)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        prompt = prepare(workspace, "What were capital expenditures?", document_names=None)
        found += bool(prompt.sources)
    except Exception as exc:
        failed += 1
        print(repr(exc), file=sys.stderr)
try:
    workspace.close()  # where a reader of a deleted index failed to flush
except Exception as exc:
    failed += 1
    print(repr(exc), file=sys.stderr)
print(found, failed, flush=True)
"""


def test_a_reindex_under_a_reader_loses_no_read(
    archivist_home: Path, report_pdf: Path, tmp_path: Path
) -> None:
    assert archivist("ingest", str(report_pdf)).returncode == 0
    reader = start(READER, archivist_home, "12")
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "reading"
        time.sleep(1)
        done = archivist("reindex")
        assert done.returncode == 0, done.stderr
        stdout, stderr = reader.communicate(timeout=300)
    finally:
        reader.kill()
    found, failed = map(int, stdout.split())
    assert failed == 0, stderr
    assert found > 0
    assert not (archivist_home / "index.next").exists()


def test_a_writer_held_past_the_wait_is_named_not_called_damage(
    archivist_home: Path, report_pdf: Path
) -> None:
    assert archivist("ingest", str(report_pdf)).returncode == 0
    holder = start(
        "from pathlib import Path; import os, sys, time\n"
        "from retrieval.process_lock import ProcessLock\n"
        "ProcessLock(Path(os.environ['ARCHIVIST_HOME']) / 'write.lock', 'x').acquire(5)\n"
        "print('held', flush=True); time.sleep(60)\n",
        archivist_home,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = archivist("docs", "rm", "NORTHWIND_2023_10K", env={"ARCHIVIST_LOCK_WAIT_S": "2.5"})
        assert done.returncode == ExitCode.BUSY
        assert f"pid {holder.pid}" in done.stderr and "busy" in done.stderr
        assert "waiting for pid" in done.stderr
        assert "reindex" not in done.stderr
        doctor = archivist("doctor", "--json")
        assert f"pid {holder.pid}" in doctor.stdout
    finally:
        holder.kill()
        holder.wait()
    assert archivist("docs", "rm", "NORTHWIND_2023_10K").returncode == 0
