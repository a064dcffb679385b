"""The desk ingests a folder in one run (parsing in parallel) and reports every file, and
removes documents through the same crash-safe service as the CLI."""

from pathlib import Path

import pytest

from app.services.indexing import recover
from app.workspace import Workspace
from retrieval.catalogue import READY, REJECTED, REMOVING
from tests.conftest import REPORT_PAGES, make_pdf
from tui.desk import Desk, FileProgress


class Killed(Exception):
    """Stands for the process dying right after the index dropped the points."""


def test_a_tui_removal_killed_midway_is_repaired_by_recover(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
    desk = Desk(workspace)
    desk.ingests.ingest([tmp_path / "NORTHWIND_2023_10K.pdf"])
    [document] = workspace.catalogue.documents()
    assert workspace.store.count() == document.chunk_count > 0
    store = workspace.store
    delete = store.delete_document

    def delete_then_die(doc_id: str) -> None:
        delete(doc_id)  # the real Qdrant Edge delete, then the "crash"
        raise Killed

    monkeypatch.setattr(store, "delete_document", delete_then_die)
    with pytest.raises(Killed):
        desk.remove(document.id)
    monkeypatch.undo()
    # The catalogue says the removal was under way, not that the document is ready.
    assert [d.status for d in workspace.catalogue.documents()] == [REMOVING]
    recover(workspace.catalogue, workspace.store)  # what the next ingest runs first
    assert workspace.catalogue.documents() == []
    assert workspace.store.count() == 0
    assert desk.documents() == []


def test_a_folder_in_one_run_with_each_files_outcome(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    make_pdf(folder / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
    make_pdf(folder / "SOUTHWIND_2022_10K.pdf", ["Southwind ships containers.", "Fleet: 42."])
    (folder / "memo.txt").write_text("Liquidity was ample; cash on hand 5 million dollars.")
    (folder / "broken.pdf").write_text("%PDF-1.7 not really")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    desk = Desk(workspace)
    seen: list[FileProgress] = []

    outcomes = desk.ingests.ingest([folder], on_file=seen.append)

    assert seen[0].state == "ingesting"
    assert seen[0].detail == "4 file(s), 1 unsupported skipped"
    assert seen[1:] == outcomes
    assert [o.number for o in outcomes] == [1, 2, 3, 4]
    states = {Path(o.path).name: o.state for o in outcomes}
    assert states == {
        "NORTHWIND_2023_10K.pdf": "ingested",
        "SOUTHWIND_2022_10K.pdf": "ingested",
        "memo.txt": "ingested",
        "broken.pdf": "rejected",
    }
    northwind = next(o for o in outcomes if o.path.endswith("NORTHWIND_2023_10K.pdf"))
    assert northwind.detail == "4 pages, 4 chunks"
    rows = {e.name: e.status for e in desk.documents()}
    assert rows == {
        "NORTHWIND_2023_10K": READY,
        "SOUTHWIND_2022_10K": READY,
        "memo": READY,
        "broken": REJECTED,
    }

    again = desk.ingests.ingest([folder])  # unchanged files are skipped, the rejected one says why
    assert {Path(o.path).name: o.state for o in again} == {
        **states,
        **{
            "NORTHWIND_2023_10K.pdf": "skipped",
            "SOUTHWIND_2022_10K.pdf": "skipped",
            "memo.txt": "skipped",
        },
    }
    assert all(e.status != "ingesting" for e in desk.documents())
