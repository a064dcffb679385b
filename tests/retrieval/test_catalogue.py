"""The catalogue on SQLite and, when ARCHIVIST_TEST_PG_URL names one (CI starts it), on a
real PostgreSQL server: same code, same assertions."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.services.ingest import ingest
from app.settings import load_settings
from app.workspace import Workspace
from ingestion.records import Chunk, DocumentMeta, Page, ParsedDocument
from retrieval.catalogue import INDEXING, INGESTING, READY, REJECTED, Catalogue, chunk_id
from retrieval.storage.migrations import VERSIONS, migrate
from retrieval.storage.tables import Base
from tests.conftest import ON_POSTGRESQL, PG_URL

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.skipif(
                PG_URL is None, reason="set ARCHIVIST_TEST_PG_URL to run against PostgreSQL"
            ),
            ON_POSTGRESQL,
        ],
    ),
]


def empty(engine: Engine) -> None:
    """A shared PostgreSQL server keeps tables between runs: start each test from none."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        for table in ("summary_step_usage", VERSIONS):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))


def catalogue_url(backend: str, tmp_path: Path) -> str:
    return PG_URL if backend == "postgresql" and PG_URL else f"sqlite:///{tmp_path / 'c.sqlite'}"


@pytest.fixture(params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    url = catalogue_url(request.param, tmp_path)
    cat = Catalogue(url)
    empty(cat.engine)
    migrate(cat.engine)
    yield cat
    empty(cat.engine)
    cat.close()


def document(sha: str = "a" * 64, name: str = "3M_2018_10K") -> ParsedDocument:
    pages = [Page(0, "i", "Cover page"), Page(1, "1", "Revenue grew.\nCosts fell.")]
    chunks = [
        Chunk(0, "Cover page", 0, 0, 0, 10, "", "text"),
        Chunk(1, "Costs fell.", 1, 1, 14, 25, "Item 7. MD&A", "text"),
    ]
    meta = DocumentMeta("3M", "10-K", 2018, "FY2018", "2018-12-31")
    return ParsedDocument(Path(f"/lib/{name}.pdf"), name, sha, pages, chunks, meta)


def test_document_lifecycle(catalogue: Catalogue) -> None:
    doc_id = catalogue.begin_document(document())
    info = catalogue.get(doc_id)
    assert info is not None and info.status == INGESTING
    assert (
        info.meta.company,
        info.meta.form_type,
        info.meta.fiscal_year,
        info.meta.fiscal_period,
    ) == (
        "3M",
        "10-K",
        2018,
        "FY2018",
    )
    catalogue.mark_ready(doc_id)
    assert catalogue.ready_count() == 1
    assert [catalogue.page_label(doc_id, i) for i in (0, 1)] == ["i", "1"]
    chunks = catalogue.document_chunks(doc_id)
    assert [c.section for c in chunks] == ["", "Item 7. MD&A"]
    stored = catalogue.chunks([chunk_id(doc_id, 1)])[chunk_id(doc_id, 1)]
    assert catalogue.page_text(doc_id, 1)[stored.start_char : stored.end_char] == stored.text  # type: ignore[index]
    assert [d.id for d in catalogue.find("3M_2018_10K")] == [doc_id]
    assert [d.id for d in catalogue.find(doc_id[:8])] == [doc_id]
    assert catalogue.find("aaaa") == []  # short prefixes never match
    assert [d.id for d in catalogue.at_path("/lib/3M_2018_10K.pdf")] == [doc_id]

    catalogue.mark_all(READY, INDEXING)
    assert [d.id for d in catalogue.with_status(INDEXING)] == [doc_id]
    catalogue.remove(doc_id)
    assert catalogue.documents() == [] and catalogue.document_chunks(doc_id) == []


def test_rejected_record_and_rewrite(catalogue: Catalogue) -> None:
    catalogue.record_rejected("/lib/bad.pdf", "b" * 64, "/lib/bad.pdf: not a PDF file")
    [info] = catalogue.documents()
    assert (info.name, info.status, info.reason) == (
        "bad",
        REJECTED,
        "/lib/bad.pdf: not a PDF file",
    )
    doc_id = catalogue.begin_document(document("b" * 64, "bad"))  # fixed file, same content id
    assert catalogue.get(doc_id).status == INGESTING  # type: ignore[union-attr]
    assert len(catalogue.documents()) == 1


@pytest.mark.skipif(PG_URL is None, reason="set ARCHIVIST_TEST_PG_URL to run against PostgreSQL")
@ON_POSTGRESQL
def test_ingest_with_a_postgresql_catalogue(archivist_home: Path, report_pdf: Path) -> None:
    assert PG_URL is not None
    workspace = Workspace(load_settings(catalogue_url=PG_URL))
    empty(workspace.catalogue.engine)
    migrate(workspace.catalogue.engine)
    try:
        report = ingest(workspace, [report_pdf])
        [doc] = workspace.catalogue.documents()
        assert doc.status == READY and doc.chunk_count == report.chunks
        assert workspace.store.count() == doc.chunk_count
    finally:
        empty(workspace.catalogue.engine)
        workspace.close()
