"""kill -9 during an ingest, then the same command again: the state of an uninterrupted run.

A real `archivist ingest` subprocess SIGKILLs itself at named points (the
ARCHIVIST_CRASH_AT hook in app.services.indexing), between the catalogue write and the
index write, between index batches, before and after marking searchable (between the
BM25 and the dense phase), before and after marking ready, and while an old version is
being replaced.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import load_settings
from app.workspace import Workspace
from tests.conftest import make_pdf

pytestmark = pytest.mark.slow  # real `archivist` processes killed with SIGKILL

MEMO = " ".join(f"Paragraph {n}: freight costs rose in region {n}." for n in range(120))


def archivist(home: Path, *args: str, crash_at: str | None = None) -> int:
    env = {**os.environ, "ARCHIVIST_HOME": str(home), "ARCHIVIST_EMBED_BATCH": "4"}
    env.pop("ARCHIVIST_CRASH_AT", None)
    if crash_at:
        env["ARCHIVIST_CRASH_AT"] = crash_at
    result = subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, timeout=300
    )
    return result.returncode


def snapshot(home: Path) -> dict[str, object]:
    workspace = Workspace(load_settings(home=home))
    try:
        docs = workspace.catalogue.documents()
        return {
            "documents": sorted((d.id, d.name, d.status, d.chunk_count) for d in docs),
            "indexed": sorted(workspace.store.document_ids()),
            "points": workspace.store.count(),
            "per_document": sorted((d.id, workspace.store.count(d.id)) for d in docs),
        }
    finally:
        workspace.close()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("library")
    make_pdf(folder / "ACME_2023_10K.pdf", [MEMO[:1500], MEMO[1500:3000], MEMO[3000:]])
    (folder / "memo.txt").write_text(MEMO)
    (folder / "broken.pdf").write_text("not a pdf")
    return folder


@pytest.fixture(scope="module")
def expected(library: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    home = tmp_path_factory.mktemp("reference")
    assert archivist(home, "ingest", str(library)) == 1  # one file rejected
    state = snapshot(home)
    assert state["points"] and len(state["documents"]) == 3  # type: ignore[arg-type]
    return state


def test_killed_ingests_then_rerun_match_an_uninterrupted_run(
    library: Path, expected: dict[str, object], tmp_path: Path
) -> None:
    """Each run dies at a later point than the last; the final plain run sets it right."""
    home = tmp_path / "home"
    points = ("after_begin", "before_searchable", "after_searchable", "mid_upsert:2")
    for point in (*points, "before_ready", "after_ready"):
        assert archivist(home, "ingest", str(library), crash_at=point) == -signal.SIGKILL
    assert archivist(home, "ingest", str(library)) == 1
    assert snapshot(home) == expected


def test_killed_while_replacing_a_changed_file(library: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(library, folder)
    home = tmp_path / "home"
    assert archivist(home, "ingest", str(folder)) == 1
    (folder / "memo.txt").write_text(MEMO + " A late addition about fuel hedges.")
    assert archivist(home, "ingest", str(folder), crash_at="removing") == -signal.SIGKILL
    assert archivist(home, "ingest", str(folder)) == 1
    state = snapshot(home)
    documents: list[tuple[str, str, str, int]] = state["documents"]  # type: ignore[assignment]
    [memo] = [d for d in documents if d[1] == "memo"]  # the old version is gone
    assert memo[2] == "ready"
    assert state["indexed"] == sorted(d[0] for d in documents if d[2] == "ready")
    assert state["points"] == sum(d[3] for d in documents)
