"""Repairs never make damage worse, and damage is reported with the command that fixes it.

A damaged catalogue is refused by `reindex` and `ingest` before any state changes; a killed
reindex, a truncated catalogue, unreadable index files and a deleted index are each found
by `doctor` with their fix, and `ask` refuses to answer from an index it cannot read.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import ExitCode
from app.services.ask import prepare
from app.services.health import workspace_health
from app.services.ingest import ingest
from app.services.library import reindex
from app.settings import Settings, load_settings
from app.workspace import Workspace
from retrieval.catalogue import INDEXING, READY
from retrieval.integrity import IndexUnreadableError
from retrieval.storage.errors import CatalogueDamagedError
from tests.cli_runner import archivist, one_line_error
from tests.conftest import REPORT_PAGES, ROOT, copy_home, make_pdf


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, onnx_cache: Path) -> Path:
    """One workspace with the report ingested; each test gets a copy of it."""
    base = tmp_path_factory.mktemp("ingested")
    pdf = make_pdf(base / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
    workspace = Workspace(Settings(home=base / "home", onnx_cache=onnx_cache))
    try:
        assert ingest(workspace, [pdf]).ingested
    finally:
        workspace.close()
    return base / "home"


@pytest.fixture
def home(ingested: Path, archivist_home: Path) -> Path:
    copy_home(ingested, archivist_home)
    return archivist_home


@pytest.fixture
def workspace(home: Path) -> Iterator[Workspace]:
    ws = Workspace(load_settings())
    yield ws
    ws.close()


def failing(workspace: Workspace) -> dict[str, str]:
    return {c.name: c.fix for c in workspace_health(workspace).checks if not c.ok}


def damage_middle(database: Path) -> None:
    """Garbage over pages in the middle of the file, as the attack run wrote it."""
    data = bytearray(database.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + 2 * page] = b"\xa5" * 2 * page
    database.write_bytes(bytes(data))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checkpoint(home: Path) -> None:
    """Fold the WAL into the file, so that damage to the file is damage to the data."""
    import sqlite3

    with sqlite3.connect(home / "catalogue.sqlite") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_reindex_and_ingest_refuse_a_damaged_catalogue_and_change_nothing(
    home: Path, tmp_path: Path
) -> None:
    checkpoint(home)
    database = home / "catalogue.sqlite"
    damage_middle(database)
    before = digest(database)
    for action in (
        lambda ws: reindex(ws),
        lambda ws: ingest(ws, [make_pdf(tmp_path / "OTHER_2023_10K.pdf", ["Other."])]),
    ):
        workspace = Workspace(load_settings())
        try:
            with pytest.raises(CatalogueDamagedError, match="nothing was changed"):
                action(workspace)
        finally:
            workspace.close()
        assert digest(database) == before
    with_wal = Path(str(database) + "-wal")
    assert not with_wal.exists() or with_wal.stat().st_size == 0


def test_reindex_refusal_is_one_line_and_exit_3(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(home)
    damage_middle(home / "catalogue.sqlite")
    result = archivist("reindex")
    assert result.returncode == ExitCode.INPUT
    line = one_line_error(result)
    assert "refusing to reindex" in line and "backup" in line


def test_a_truncated_catalogue_still_gets_a_doctor_report(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = home / "catalogue.sqlite"
    checkpoint(home)
    with database.open("r+b") as handle:
        handle.truncate(1000)
    done = subprocess.run(
        [sys.executable, "-m", "app", "doctor"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "ARCHIVIST_MODEL": str(home / "none.gguf")},
        timeout=300,
    )  # no model to time: this test is about the catalogue section
    assert done.returncode == ExitCode.FAILURE, done.stderr
    shown = done.stdout
    assert "BAD catalogue" in shown
    assert "restore catalogue.sqlite from a backup" in shown
    assert "verdict: needs attention" in shown
    listed = archivist("docs", "list")
    assert listed.returncode == ExitCode.INPUT
    assert "catalogue cannot be read" in one_line_error(listed)


def test_a_killed_reindex_is_reported_and_ask_says_how_to_finish(workspace: Workspace) -> None:
    workspace.catalogue.mark_all(READY, INDEXING)  # where a reindex killed at once leaves it
    assert failing(workspace)["interrupted reindex"] == "run `archivist reindex` again to finish it"
    with pytest.raises(Exception, match="mid-reindex.*archivist reindex"):
        prepare(workspace, "What was capex?", document_names=["NORTHWIND_2023_10K"])
    reindex(workspace)
    assert "interrupted reindex" not in failing(workspace)


def _segment(home: Path) -> Path:
    [segment] = (home / "index" / "segments").iterdir()
    return segment


@pytest.mark.parametrize(
    "damaged",
    ["vector_storage-dense/vectors/chunk_0.mmap", "payload_storage/page_0.dat"],
)
def test_unreadable_index_files_are_found_by_doctor_and_refused_by_ask(
    home: Path, damaged: str
) -> None:
    with (_segment(home) / damaged).open("r+b") as handle:
        handle.truncate(1000 if "vectors" in damaged else 0)
    workspace = Workspace(load_settings())
    try:
        problems = failing(workspace)
        assert problems["index readable"] == "rebuild it from the catalogue: archivist reindex"
        with pytest.raises(IndexUnreadableError, match="archivist reindex"):
            prepare(workspace, "What was capex?")
        reindex(workspace)
        assert failing(workspace) == {}
    finally:
        workspace.close()


def test_a_deleted_index_is_not_answered_from(home: Path) -> None:
    shutil.rmtree(home / "index")
    workspace = Workspace(load_settings())
    try:
        with pytest.raises(IndexUnreadableError, match="empty.*archivist reindex"):
            prepare(workspace, "What was capex?")
        assert "index in sync" in failing(workspace)
    finally:
        workspace.close()
