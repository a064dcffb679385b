"""The catalogue's schema migrates: a workspace written by the previous release opens,
is brought up to date once, and keeps every row.

`tests/fixtures/catalogue-release.sqlite` was written by the release before migrations
(commit 4e668ba: `Catalogue`, `HistoryStore` and `SummaryStore` as they were then, then
vacuumed to 512-byte pages): a ready 10-K with cover-page metadata, a searchable 10-Q whose
row has none, a rejected file, one conversation turn, one summary step with its tokens in
the side table that release made, and one finished summary.
"""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from retrieval.catalogue import READY, REJECTED, SEARCHABLE, Catalogue, Status
from retrieval.storage.errors import CatalogueBusyError, CatalogueDamagedError
from retrieval.storage.history_store import HistoryStore
from retrieval.storage.migrations import MIGRATIONS, applied, migrate
from retrieval.storage.summary_store import SummaryStore
from tests.cli_runner import archivist

RELEASE = Path(__file__).parent.parent / "fixtures" / "catalogue-release.sqlite"
DOC = "a" * 64


@pytest.fixture
def release(tmp_path: Path) -> Path:
    copy = tmp_path / "catalogue.sqlite"
    shutil.copyfile(RELEASE, copy)
    return copy


def rows(database: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


def test_a_release_workspace_migrates_with_nothing_lost(release: Path) -> None:
    pages_before = rows(release, 'SELECT * FROM pages ORDER BY document_id, "index"')
    chunks_before = rows(release, "SELECT * FROM chunks ORDER BY id")
    turns_before = rows(release, "SELECT * FROM conversation_turns")
    summaries_before = rows(release, "SELECT * FROM summaries")
    catalogue = Catalogue(f"sqlite:///{release}")
    try:
        with catalogue.engine.connect() as connection:
            assert applied(connection) == [m.__name__ for m in MIGRATIONS]
        assert [(d.name, d.status) for d in catalogue.documents()] == [
            ("3M_2018_10K", READY),
            ("AMCOR_2023Q2_10Q", SEARCHABLE),
            ("broken", REJECTED),
        ]
        assert all(isinstance(d.status, Status) for d in catalogue.documents())
        three_m = catalogue.get(DOC)
        assert three_m is not None and three_m.meta.company == "3M"
        assert (three_m.meta.doc_date, three_m.page_count, three_m.chunk_count) == (
            "2018-12-31",
            2,
            2,
        )
        assert catalogue.pages(DOC) == {
            0: "3M Company\n(Exact name of registrant)\nFORM 10-K",
            1: "Revenue grew to $32,765 million.\nCapital expenditures were $1,577 million.",
        }
        # m005: the size `ask` decides "cannot fit whole" by, from the stored pages
        assert three_m.text_chars == sum(len(t) for t in catalogue.pages(DOC).values()) == 121
        history = HistoryStore(catalogue)
        assert history.latest() == "conv-1" and len(history.turns("conv-1")) == 1
        summaries = SummaryStore(catalogue)
        assert summaries.step(DOC, "model:brief", "part-0") == "3M spent $1,577 million."
        assert summaries.step_tokens(DOC, "model:brief", "part-0") == (120, 30)  # was a side table
        assert summaries.finished(DOC, "model:brief") is not None
    finally:
        catalogue.close()
    assert rows(release, 'SELECT * FROM pages ORDER BY document_id, "index"') == pages_before
    assert rows(release, "SELECT * FROM chunks ORDER BY id") == chunks_before
    assert rows(release, "SELECT * FROM conversation_turns") == turns_before
    assert rows(release, "SELECT * FROM summaries") == summaries_before
    tables = {name for (name,) in rows(release, "SELECT name FROM sqlite_master")}
    assert "summary_step_usage" not in tables


def test_metadata_a_file_name_gives_is_stored_once_not_parsed_per_question(
    release: Path,
) -> None:
    """The release left the 10-Q's columns empty and scoping re-read its file name per
    question; the migration decides once, as ingest now does."""
    catalogue = Catalogue(f"sqlite:///{release}")
    try:
        amcor = catalogue.find("AMCOR_2023Q2_10Q")[0].meta
    finally:
        catalogue.close()
    assert (amcor.company, amcor.form_type, amcor.fiscal_year, amcor.fiscal_period) == (
        "AMCOR",
        "10-Q",
        2023,
        "2023Q2",
    )
    stored = "SELECT company, fiscal_period FROM documents WHERE name = 'AMCOR_2023Q2_10Q'"
    assert rows(release, stored) == [("AMCOR", "2023Q2")]


def test_each_step_runs_once_and_a_new_step_runs_on_an_up_to_date_catalogue(
    release: Path,
) -> None:
    Catalogue(f"sqlite:///{release}").close()
    engine = create_engine(f"sqlite:///{release}")
    ran: list[str] = []

    def m999_a_later_column(connection: object) -> None:
        ran.append("m999")

    try:
        assert migrate(engine) == []  # already up to date: nothing runs again
        assert migrate(engine, [*MIGRATIONS, m999_a_later_column]) == ["m999_a_later_column"]
        assert migrate(engine, [*MIGRATIONS, m999_a_later_column]) == []
        assert ran == ["m999"]
    finally:
        engine.dispose()


def test_a_failed_step_leaves_the_catalogue_as_it_was(release: Path) -> None:
    before = RELEASE.read_bytes()

    def m999_breaks(connection: object) -> None:
        raise RuntimeError("disk full, say")

    engine = create_engine(f"sqlite:///{release}")
    try:
        with pytest.raises(RuntimeError):
            migrate(engine, [*MIGRATIONS, m999_breaks])
        with engine.connect() as connection:
            assert applied(connection) == []
    finally:
        engine.dispose()
    assert release.read_bytes() == before


def test_a_file_that_is_not_a_database_is_reported_in_our_words(tmp_path: Path) -> None:
    garbage = tmp_path / "catalogue.sqlite"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(CatalogueDamagedError, match="catalogue cannot be read"):
        Catalogue(f"sqlite:///{garbage}")


def test_a_writer_holding_the_lock_is_busy_not_damaged(tmp_path: Path) -> None:
    database = tmp_path / "catalogue.sqlite"
    catalogue = Catalogue(f"sqlite:///{database}")
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with (
            pytest.raises(CatalogueBusyError, match="busy"),
            catalogue.engine.connect() as connection,
        ):
            connection.exec_driver_sql("PRAGMA busy_timeout=50")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        catalogue.close()


def test_the_release_workspace_lists_through_the_real_command(archivist_home: Path) -> None:
    """`archivist docs list` on a home holding the release's catalogue: migrated on open,
    every document listed with its status and metadata, the JSON shape unchanged."""
    archivist_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RELEASE, archivist_home / "catalogue.sqlite")
    result = archivist("docs", "list", "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    listed = {d["name"]: d for d in json.loads(result.stdout)}
    assert {name: d["status"] for name, d in listed.items()} == {
        "3M_2018_10K": "ready",
        "AMCOR_2023Q2_10Q": "searchable",
        "broken": "rejected",
    }
    assert set(listed["3M_2018_10K"]) == {
        "id", "name", "path", "sha256", "status", "reason", "page_count", "chunk_count",
        "added_at", "company", "form_type", "fiscal_year", "fiscal_period", "doc_date",
    }  # fmt: skip
    assert listed["AMCOR_2023Q2_10Q"]["fiscal_period"] == "2023Q2"


def test_two_processes_opening_an_old_workspace_together_migrate_it_once(release: Path) -> None:
    """The TUI and a CLI command start together on an old workspace: one migrates, the other
    waits for the write lock, reads the steps recorded and runs none."""
    from concurrent.futures import ThreadPoolExecutor

    def open_and_close(_: int) -> None:
        Catalogue(f"sqlite:///{release}").close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(open_and_close, range(4)))
    recorded = rows(release, "SELECT name FROM schema_migrations")
    assert sorted(name for (name,) in recorded) == sorted(m.__name__ for m in MIGRATIONS)
    assert rows(release, "SELECT prompt_tokens, completion_tokens FROM summary_steps") == [
        (120, 30)
    ]
