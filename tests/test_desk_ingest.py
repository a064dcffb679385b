"""The desk ingests a folder in one run (parsing in parallel) and reports every file."""

from pathlib import Path

from app.services.desk import Desk, FileProgress
from app.workspace import Workspace
from retrieval.catalogue import READY, REJECTED
from tests.conftest import REPORT_PAGES, make_pdf


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

    outcomes = desk.ingest([folder], on_file=seen.append)

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

    again = desk.ingest([folder])  # unchanged files are skipped, the rejected one says why
    assert {Path(o.path).name: o.state for o in again} == {
        **states,
        **{
            "NORTHWIND_2023_10K.pdf": "skipped",
            "SOUTHWIND_2022_10K.pdf": "skipped",
            "memo.txt": "skipped",
        },
    }
    assert all(e.status != "ingesting" for e in desk.documents())
