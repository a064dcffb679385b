"""Askable before fully embedded: a document is `searchable` (pages in the catalogue, BM25
points in the index) before its dense vectors exist; questions reach it by BM25 and the
statement pages and say so; the dense vectors follow and it becomes `ready`."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.services.ask import prepare
from app.services.health import workspace_health
from app.services.indexing import embed_document, index_document
from app.services.ingest import ingest
from app.services.library import reindex
from app.settings import load_settings
from app.workspace import Workspace
from ingestion.pipeline import ParseOptions, parse_file
from retrieval.catalogue import READY, SEARCHABLE
from retrieval.search import Method, Retriever, SearchConfig
from tests.conftest import make_pdf

QUESTION = "What were Northwind's capital expenditures in fiscal 2023?"


def keyword_only(workspace: Workspace, path: Path) -> str:
    """Phase one alone, as a run killed between the two phases leaves it."""
    doc = parse_file(path, ParseOptions(workspace.embedder_folder))
    return index_document(workspace, doc)


def test_a_searchable_document_answers_by_bm25_and_says_so(
    workspace: Workspace, report_pdf: Path
) -> None:
    doc_id = keyword_only(workspace, report_pdf)
    info = workspace.catalogue.get(doc_id)
    assert info is not None and info.status == SEARCHABLE
    assert workspace.store.count(doc_id) == info.chunk_count  # every point, BM25 only
    retriever = Retriever(workspace.catalogue, workspace.store, workspace.embedder, SearchConfig())
    assert retriever.method_for([doc_id]) == Method.BM25
    assert retriever.method_for(None) == Method.BM25
    assert workspace.store.search(workspace.embedder.embed([QUESTION])[0], 5, [doc_id]) == []

    prompt = prepare(workspace, QUESTION, document_names=["NORTHWIND_2023_10K"])
    assert 1 in {s.first_page for s in prompt.sources}  # the capex page (0-based 1)
    notes = " ".join(prompt.report.notes)
    assert "dense vectors not computed yet for NORTHWIND_2023_10K" in notes
    assert "bm25" in notes

    assert embed_document(workspace, doc_id) == info.chunk_count
    ready = workspace.catalogue.get(doc_id)
    assert ready is not None and ready.status == READY
    assert retriever.method_for([doc_id]) == Method.DENSE
    hits = workspace.store.search(workspace.embedder.embed([QUESTION])[0], 5, [doc_id])
    assert len(hits) == min(5, info.chunk_count)
    prompt = prepare(workspace, QUESTION, document_names=["NORTHWIND_2023_10K"])
    assert not any("dense vectors" in n for n in prompt.report.notes)


def test_mixed_scope_uses_hybrid(workspace: Workspace, report_pdf: Path, tmp_path: Path) -> None:
    other = make_pdf(tmp_path / "ACME_2023_10K.pdf", ["Acme sells anvils.", "Anvil revenue."])
    ingest(workspace, [other])
    doc_id = keyword_only(workspace, report_pdf)
    retriever = Retriever(workspace.catalogue, workspace.store, workspace.embedder, SearchConfig())
    assert retriever.method_for(None) == Method.HYBRID
    assert [d.id for d in retriever.without_dense(None)] == [doc_id]
    ranked = retriever.rank_chunks("capital expenditures warehouses", 10)
    assert {c.chunk.document_id for c in ranked} == {doc_id, workspace.catalogue.documents()[0].id}


def test_the_next_ingest_finishes_a_searchable_document(
    workspace: Workspace, report_pdf: Path, tmp_path: Path
) -> None:
    doc_id = keyword_only(workspace, report_pdf)
    memo = tmp_path / "memo.txt"
    memo.write_text("Freight costs rose in every region.")
    report = ingest(workspace, [memo])  # another file: the searchable one is finished too
    assert sorted(str(e["name"]) for e in report.ingested) == ["NORTHWIND_2023_10K", "memo"]
    assert {d.status for d in workspace.catalogue.documents()} == {READY}
    info = workspace.catalogue.get(doc_id)
    assert info is not None and workspace.store.count(doc_id) == info.chunk_count


def test_reindex_makes_searchable_documents_ready(
    workspace: Workspace, report_pdf: Path, tmp_path: Path
) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text("Freight costs rose in every region.")
    ingest(workspace, [memo])
    doc_id = keyword_only(workspace, report_pdf)
    result = reindex(workspace)
    assert result["documents"] == 2
    assert {d.status for d in workspace.catalogue.documents()} == {READY}
    total = sum(d.chunk_count for d in workspace.catalogue.documents())
    assert workspace.store.count() == total == result["points"]
    hits = workspace.store.search(workspace.embedder.embed([QUESTION])[0], 3, [doc_id])
    assert hits  # dense vectors exist now


def run_cli(home: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVIST_CRASH_AT"}
    env["ARCHIVIST_HOME"] = str(home)
    if crash_at:
        env["ARCHIVIST_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow  # a real `archivist` process killed with -9: the process is the point
def test_killed_between_the_phases_then_docs_list_and_rerun(
    report_pdf: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    killed = run_cli(home, "ingest", str(report_pdf), crash_at="after_searchable")
    assert killed.returncode == -signal.SIGKILL
    listed = run_cli(home, "docs", "list")
    assert "\tsearchable\t" in listed.stdout
    workspace = Workspace(load_settings(home=home))
    try:
        checks = {c.name: c for c in workspace_health(workspace).checks}  # what doctor shows
        assert not checks["dense vectors"].ok
        assert "1 document(s) searchable by BM25 only" in checks["dense vectors"].detail
        assert checks["index in sync"].ok  # its BM25 points are all there
    finally:
        workspace.close()
    assert run_cli(home, "ingest", str(report_pdf)).returncode == 0
    workspace = Workspace(load_settings(home=home))
    try:
        [doc] = workspace.catalogue.documents()
        assert doc.status == READY
        assert workspace.store.count(doc.id) == doc.chunk_count
        assert {c.name: c for c in workspace_health(workspace).checks}["dense vectors"].ok
    finally:
        workspace.close()
    assert "\tready\t" in run_cli(home, "docs", "list").stdout
