"""One question reads the catalogue a bounded number of times (issue 21): the document list
once, the ranked chunks with their neighbours in one query, the pages it needs in one. Every
SQL statement sent to the catalogue's engine is counted while one `ask` runs to its answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.services.ask import Answer, ask
from app.services.ingest import ingest
from app.workspace import Workspace
from model_runtime.engine import Mode
from retrieval import search
from retrieval.assembler import ContextMode
from tests.conftest import answering_with, make_pdf
from tests.fake_engine import FakeEngine, Reply

QUESTION = "What were Northwind's capital expenditures in fiscal 2023?"
NEIGHBOUR = "How many refrigerated warehouses did Acme build in 2023?"


@pytest.fixture
def library(workspace: Workspace, report_pdf: Path, tmp_path: Path) -> Workspace:
    other = make_pdf(
        tmp_path / "ACME_2023_10K.pdf",
        ["Acme sells anvils from refrigerated warehouses.", "Anvil revenue rose in 2023."],
    )
    ingest(workspace, [report_pdf, other])
    return workspace


@contextmanager
def counted(workspace: Workspace) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = workspace.catalogue.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries(
    workspace: Workspace,
    question: str,
    context_mode: ContextMode,
    names: list[str] | None = None,
    context_length: int = 16_384,
) -> list[str]:
    search._STATEMENTS.clear()  # the first question about a document: nothing cached
    fake = FakeEngine([Reply("Capex was 412 million dollars [S1].")], context_length=context_length)
    with counted(workspace) as statements:
        events = list(
            ask(answering_with(workspace, fake), question, Mode.FAST, names, None, context_mode)
        )
    assert isinstance(events[-1], Answer) and events[-1].sources
    # A question asking for a line item ("capital expenditures") reads the key figures
    # table once more for its second opinion; counted apart from the evidence's reads.
    figures = [s for s in statements if "FROM key_figures" in s]
    assert len(figures) <= 1, figures
    return [s for s in statements if "FROM key_figures" not in s]


# Before this change (commit 4e668ba) the same asks sent 12, 13 and 12 statements.


def test_evidence_mode_reads_documents_chunks_and_pages_once_each(library: Workspace) -> None:
    sent = queries(library, QUESTION, ContextMode.EVIDENCE, ["NORTHWIND_2023_10K"])
    assert len(sent) <= 3, sent
    assert sum("FROM documents" in s and "JOIN" not in s for s in sent) == 1
    assert sum("FROM pages" in s for s in sent) == 1


def test_a_document_that_fits_whole_skips_ranking(library: Workspace) -> None:
    sent = queries(library, QUESTION, ContextMode.AUTO)  # scoped to Northwind by name
    assert len(sent) <= 2, sent
    assert not any("FROM chunks" in s for s in sent)  # nothing ranked


def test_a_library_question_reads_three_times(library: Workspace) -> None:
    sent = queries(library, NEIGHBOUR.replace("Acme", "the company"), ContextMode.AUTO)
    assert len(sent) <= 3, sent


def test_a_document_too_long_to_fit_whole_is_never_read_whole(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Its stored size (characters of its pages, at ingest) rules it out before any page is
    read: only the ranked units' pages are read, in one query."""
    filler = "Segment results were discussed at length in the annual report. " * 60
    pages = [f"Page {n}. {filler}" for n in range(13)]
    pages[7] = "Northwind opened three refrigerated warehouses in fiscal 2023. " + filler
    ingest(workspace, [make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", pages)])
    [doc] = workspace.catalogue.documents()
    assert doc.text_chars // 8 > 4096  # more than any 4K context holds
    # (a question needing a statement reads a document whole once, to find its statements)
    question = "How many warehouses did Northwind open in fiscal 2023?"
    sent = queries(workspace, question, ContextMode.AUTO, context_length=4096)
    [read] = [s for s in sent if "FROM pages" in s]
    assert " IN (" in read, read  # the units' pages, not the whole document
