"""The ingest service on real files: folders, rejections, metadata payload, replace, rm,
reindex — checked against the catalogue and the real Qdrant Edge index."""

from pathlib import Path

import pytest

from app.services.ingest import ingest
from app.services.library import reindex, remove
from app.workspace import Workspace
from retrieval.catalogue import READY, REJECTED
from tests.conftest import make_pdf

LONG_TEXT = " ".join(
    f"Paragraph {n}: freight costs rose in region {n} while margins held steady." for n in range(60)
)


def assert_index_matches_catalogue(workspace: Workspace) -> None:
    ready = {d.id: d for d in workspace.catalogue.documents() if d.status == READY}
    assert workspace.store.document_ids() == set(ready)
    for doc_id, info in ready.items():
        assert workspace.store.count(doc_id) == info.chunk_count
    assert workspace.store.count() == sum(d.chunk_count for d in ready.values())


def test_folder_of_mixed_files(workspace: Workspace, tmp_path: Path, report_pdf: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    report_pdf.rename(folder / report_pdf.name)
    (folder / "sub" / "memo.txt").write_text(LONG_TEXT)
    (folder / "notes.md").write_text("# Liquidity\n\nCash on hand was 5 million dollars.\n")
    (folder / "zero.pdf").touch()
    (folder / "fake.pdf").write_text("not a pdf")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    report = ingest(workspace, [folder])

    assert sorted(str(i["name"]) for i in report.ingested) == [
        "NORTHWIND_2023_10K",
        "memo",
        "notes",
    ]
    rejected = {Path(str(r["path"])).name: str(r["reason"]) for r in report.rejected}
    assert set(rejected) == {"zero.pdf", "fake.pdf"}
    assert "empty" in rejected["zero.pdf"] and "not a PDF" in rejected["fake.pdf"]
    assert [Path(str(s["path"])).name for s in report.skipped] == ["sheet.xlsx"]

    statuses = {d.name: d for d in workspace.catalogue.documents()}
    assert statuses["fake"].status == REJECTED and "not a PDF" in statuses["fake"].reason
    assert statuses["NORTHWIND_2023_10K"].meta.form_type == "10-K"
    assert statuses["NORTHWIND_2023_10K"].meta.fiscal_year == 2023
    assert statuses["NORTHWIND_2023_10K"].meta.fiscal_period == "FY2023"
    assert_index_matches_catalogue(workspace)

    # the metadata lives in the catalogue; a point carries what makes it evidence
    [vector] = workspace.embedder.embed(["capital expenditures"])
    hits = workspace.store.search(vector, limit=5)
    assert hits and hits[0].payload["document_name"] == "NORTHWIND_2023_10K"
    assert "form_type" not in hits[0].payload and "company" not in hits[0].payload

    again = ingest(workspace, [folder])
    assert again.ingested == []
    assert {Path(str(r["path"])).name for r in again.rejected} == {"zero.pdf", "fake.pdf"}
    assert_index_matches_catalogue(workspace)


def test_changed_file_replaces_its_old_version(workspace: Workspace, tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "ACME_2022_10K.pdf", ["Old revenue was 10 million dollars."])
    first = ingest(workspace, [path])
    old_id = first.ingested[0]["id"]
    make_pdf(path, ["New revenue was 12 million dollars.", "A second page on costs."])
    second = ingest(workspace, [path])
    new_id = second.ingested[0]["id"]
    assert new_id != old_id
    assert [d.id for d in workspace.catalogue.documents()] == [new_id]
    assert workspace.store.document_ids() == {new_id}
    assert_index_matches_catalogue(workspace)


def test_rm_and_reindex(workspace: Workspace, tmp_path: Path, report_pdf: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(LONG_TEXT)
    ingest(workspace, [report_pdf, memo])
    [vector] = workspace.embedder.embed(["capital expenditures warehouses"])
    before = [h.id for h in workspace.store.search(vector, limit=3)]
    count = workspace.store.count()

    result = reindex(workspace)
    assert result["documents"] == 2 and result["points"] == count
    assert [h.id for h in workspace.store.search(vector, limit=3)] == before
    assert_index_matches_catalogue(workspace)

    removed = remove(workspace, "memo")
    assert removed.name == "memo"
    assert [d.name for d in workspace.catalogue.documents()] == ["NORTHWIND_2023_10K"]
    assert workspace.catalogue.document_chunks(removed.id) == []
    assert_index_matches_catalogue(workspace)


def test_vectors_of_another_recipe_never_join_the_index(
    workspace: Workspace, tmp_path: Path, report_pdf: Path
) -> None:
    from app.errors import InputError
    from app.services.health import workspace_health
    from app.workspace import LEGACY_RECIPE

    assert workspace.index_recipe() is None  # empty, nothing recorded yet
    ingest(workspace, [report_pdf])
    assert workspace.index_recipe() == workspace.vectors_recipe
    assert all(c.ok for c in workspace_health(workspace).checks if c.name == "index vectors")

    # An index built before recipes were recorded holds the old defaults' vectors.
    (workspace.home / "vectors.txt").unlink()
    assert workspace.index_recipe() == LEGACY_RECIPE != workspace.vectors_recipe
    memo = tmp_path / "memo.txt"
    memo.write_text(LONG_TEXT)
    with pytest.raises(InputError, match="archivist reindex") as refused:
        ingest(workspace, [memo])
    assert LEGACY_RECIPE in str(refused.value)
    assert [d.name for d in workspace.catalogue.documents()] == ["NORTHWIND_2023_10K"]
    [check] = [c for c in workspace_health(workspace).checks if c.name == "index vectors"]
    assert not check.ok and "reindex" in check.fix

    reindex(workspace)  # rebuilt with the settings' recipe, then ingest goes on
    assert workspace.index_recipe() == workspace.vectors_recipe
    ingest(workspace, [memo])
    assert_index_matches_catalogue(workspace)
    assert len(workspace.catalogue.documents()) == 2
