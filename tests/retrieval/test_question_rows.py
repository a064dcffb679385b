"""A passage keeps the rows and column headers the question points to (issue 23 item 6):
on a statement page the best-matched chunk may be the title and the first rows while the
figure asked for sits far below; cutting to a passage must not drop that row. Pages and
chunks come from a real SQLite catalogue, laid out as pypdf writes a statement (a row's
label on one line, its figures on the lines under it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.records import Chunk, DocumentMeta, Page, ParsedDocument
from retrieval.catalogue import Catalogue, chunk_id
from retrieval.evidence import PageReader, pages_of, read_units
from retrieval.passages import NEAR
from retrieval.question import row_terms
from retrieval.question_rows import row_spans
from retrieval.types import Evidence

DOC = "b" * 64
FILLER = [f"Other operating item {n}\n \n{100 + n} \n \n{90 + n} \n" for n in range(30)]
STATEMENT = (
    "Consolidated Statement of Cash Flows\n"
    "Years ended December 31\n \n(Millions)\n \n2018\n \n2017\n"
    "Net income including noncontrolling interest\n \n$\n5,363 \n$\n4,869 \n"
    + "".join(FILLER)
    + "Purchases of property, plant and equipment (PP&E)\n \n(1,577) \n \n(1,373) \n"
    + "Proceeds from sale of PP&E and other assets\n \n262 \n \n49 \n"
)
QUESTION = (
    "What is the FY2018 capital expenditure amount (in USD millions) for 3M? "
    "Give a response by relying on the details shown in the cash flow statement."
)


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    cat = Catalogue(f"sqlite:///{tmp_path / 'c.sqlite'}")
    cut = STATEMENT.index("Other operating item 3\n")
    later = STATEMENT.index("Other operating item 20\n")
    chunks = [
        Chunk(0, STATEMENT[:cut], 0, 0, 0, cut),
        Chunk(1, STATEMENT[cut:later], 0, 0, cut, later),
        Chunk(2, STATEMENT[later:], 0, 0, later, len(STATEMENT)),
    ]
    meta = DocumentMeta("3M", "10-K", 2018, "FY2018", "")
    doc = ParsedDocument(
        Path("/lib/3M_2018_10K.pdf"), "3M_2018_10K", DOC, [Page(0, "50", STATEMENT)], chunks, meta
    )
    cat.begin_document(doc)
    return cat


def levels(catalogue: Catalogue, question: str) -> tuple[str, ...]:
    """The passages of the statement page when its title chunk matched best."""
    unit = Evidence(DOC, "3M_2018_10K", 0, 0, score=1.0, chunk_ids=(chunk_id(DOC, 0),))
    chunks = catalogue.chunks_near(unit.chunk_ids, NEAR)
    pages = PageReader(catalogue).read(pages_of([unit]))
    [read] = read_units([unit], pages, chunks, row_terms(question))
    return read.passages


def test_the_row_the_question_names_survives_every_cut(catalogue: Catalogue) -> None:
    cuts = levels(catalogue, QUESTION)
    assert cuts  # shorter stand-ins exist
    for text in cuts:
        assert len(text) < len(STATEMENT)
        assert "Purchases of property, plant and equipment" in text
        assert "(1,577)" in text and "(1,373)" in text  # the row's figures, with the label
        assert "2018" in text and "(Millions)" in text  # the column headers and the unit
    assert "Other operating item 15" not in cuts[-1]  # the excerpt stays short


def test_without_a_question_the_passage_is_the_matched_chunk_alone(catalogue: Catalogue) -> None:
    cuts = levels(catalogue, "")
    assert cuts and not any("(1,577)" in text for text in cuts)  # what the fix adds


def test_rows_are_chosen_by_the_question_not_every_figure() -> None:
    spans = row_spans(row_terms("How much did 3M spend on buybacks in FY2018?"), {0: STATEMENT})
    assert spans == {}  # no row names buybacks: nothing is added
    [(index, kept)] = row_spans(row_terms(QUESTION), {0: STATEMENT}).items()
    rows = [STATEMENT[a:b] for a, b in kept]
    assert any(r.startswith("Purchases of property") for r in rows)
    assert not any(r.startswith("Other operating item") for r in rows)
