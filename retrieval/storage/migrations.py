"""The catalogue's schema, as a list of steps each applied once and recorded.

After simonw/llm's `migrations.py`: `MIGRATIONS` is append-only; `migrate` runs the steps a
database has not recorded in `schema_migrations`, in order, in one transaction, so a
workspace written by any earlier release opens, is brought up to date, and loses nothing;
a crash mid-way leaves it as it was. A new column is a new step (never a new table to
dodge one): an edited step would not run again on a workspace that already recorded it.

Steps say their DDL themselves instead of reading `tables.py`, whose classes follow the
latest step: a step must do tomorrow exactly what it did the day it was written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

from ingestion.records import DocumentMeta, normalise_form, parse_file_name

VERSIONS = "schema_migrations"
Migration = Callable[[Connection], None]


def m001_release_tables(connection: Connection) -> None:
    """The tables as the first release wrote them; a table that exists is left alone (a
    release catalogue may lack the history or summary tables until they were first used)."""
    metadata = MetaData()
    Table(
        "documents",
        metadata,
        Column("id", String(64), primary_key=True),
        Column("name", String(512), nullable=False, index=True),
        Column("path", Text, nullable=False),
        Column("sha256", String(64), nullable=False, index=True),
        Column("status", String(16), nullable=False),
        Column("reason", Text, nullable=False),
        Column("page_count", Integer, nullable=False),
        Column("chunk_count", Integer, nullable=False),
        Column("added_at", String(40), nullable=False),
        Column("company", String(200), nullable=False, index=True),
        Column("form_type", String(16), nullable=False, index=True),
        Column("fiscal_year", Integer, nullable=True, index=True),
        Column("fiscal_period", String(16), nullable=False, index=True),
        Column("doc_date", String(10), nullable=False),
    )
    Table(
        "pages",
        metadata,
        Column(
            "document_id",
            String(64),
            ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("index", Integer, primary_key=True),
        Column("label", String(64), nullable=False),
        Column("text", Text, nullable=False),
    )
    Table(
        "chunks",
        metadata,
        Column("id", String(36), primary_key=True),
        Column(
            "document_id",
            String(64),
            ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        *(Column(name, Integer, nullable=False) for name in _CHUNK_INTEGERS),
        Column("text", Text, nullable=False),
        Column("section", Text, nullable=False),
        Column("kind", String(16), nullable=False),
    )
    Table(
        "conversations",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("title", Text, nullable=False),
        Column("created_at", String(40), nullable=False),
        Column("updated_at", String(40), nullable=False, index=True),
    )
    Table(
        "conversation_turns",
        metadata,
        Column(
            "conversation_id",
            String(36),
            ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("ordinal", Integer, primary_key=True),
        Column("record", Text, nullable=False),
        Column("created_at", String(40), nullable=False),
    )
    Table(
        "summary_steps",
        metadata,
        *_summary_keys(),
        Column("output", Text, nullable=False),
        Column("created_at", String(40), nullable=False),
    )
    Table(
        "summary_step_usage",
        metadata,
        *_summary_keys(),
        Column("prompt_tokens", Integer, nullable=False),
        Column("completion_tokens", Integer, nullable=False),
    )
    Table(
        "summaries",
        metadata,
        Column("document_id", String(64), primary_key=True),
        Column("run_key", String(160), primary_key=True),
        Column("record", Text, nullable=False),
        Column("markdown", Text, nullable=False),
        Column("created_at", String(40), nullable=False),
    )
    metadata.create_all(connection, checkfirst=True)


_CHUNK_INTEGERS = ("ordinal", "first_page", "last_page", "start_char", "end_char")


def _summary_keys() -> list[Column[str]]:
    return [
        Column("document_id", String(64), primary_key=True),
        Column("run_key", String(160), primary_key=True),
        Column("step", String(64), primary_key=True),
    ]


def m002_step_tokens_on_the_step(connection: Connection) -> None:
    """The tokens a summary step cost become columns of `summary_steps`; the side table the
    first release made to avoid a column is copied in and dropped."""
    for column in ("prompt_tokens", "completion_tokens"):
        connection.execute(
            text(f"ALTER TABLE summary_steps ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
        )
        connection.execute(
            text(
                f"UPDATE summary_steps SET {column} = COALESCE((SELECT u.{column} "
                "FROM summary_step_usage u WHERE u.document_id = summary_steps.document_id "
                "AND u.run_key = summary_steps.run_key AND u.step = summary_steps.step), 0)"
            )
        )
    connection.execute(text("DROP TABLE summary_step_usage"))


def m003_metadata_decided_at_ingest(connection: Connection) -> None:
    """Fill the metadata a document's FinanceBench-style file name gives where its row has
    none, with the form spelled one way, so the row is the one answer and nothing parses
    names per question. Ingest decides the same way for new documents."""
    columns = "company, form_type, fiscal_year, fiscal_period, doc_date"
    rows = connection.execute(text(f"SELECT id, name, {columns} FROM documents")).all()
    for row in rows:
        parsed = parse_file_name(row.name) or DocumentMeta()
        company = row.company or parsed.company
        form = normalise_form(row.form_type or parsed.form_type)
        year = row.fiscal_year if row.fiscal_year is not None else parsed.fiscal_year
        period = row.fiscal_period or parsed.fiscal_period
        doc_date = row.doc_date or parsed.doc_date
        decided = {"company": company, "form_type": form, "fiscal_year": year,
                   "fiscal_period": period, "doc_date": doc_date}  # fmt: skip
        if decided != {key: getattr(row, key) for key in decided}:
            assignments = ", ".join(f"{key} = :{key}" for key in decided)
            connection.execute(
                text(f"UPDATE documents SET {assignments} WHERE id = :id"),
                {**decided, "id": row.id},
            )


def m004_key_figures(connection: Connection) -> None:
    """The primary statements' line items, one row per value (`retrieval.key_figures`);
    documents ingested before this step get theirs at the next `reindex`."""
    metadata = MetaData()
    Table("documents", metadata, autoload_with=connection)  # what the key refers to
    Table(
        "key_figures",
        metadata,
        Column(
            "document_id",
            String(64),
            ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("page", Integer, primary_key=True),
        Column("row", Integer, primary_key=True),
        Column("column", Integer, primary_key=True),
        Column("statement", String(32), nullable=False),
        Column("label", Text, nullable=False),
        Column("item", String(64), nullable=False, index=True),
        Column("period", String(16), nullable=False),
        Column("period_end", String(10), nullable=False),
        Column("header", Text, nullable=False),
        Column("value", Float, nullable=False),
        Column("scale", Float, nullable=False),
        Column("unit", String(16), nullable=False),
    )
    metadata.tables["key_figures"].create(connection)


def m005_document_text_size(connection: Connection) -> None:
    """The characters of a document's non-blank pages, stored with it: `ask` knows from the
    document list alone that a document cannot fit the context whole (no tokenizer makes
    fewer than one token per 8 characters) and never reads its pages for that."""
    connection.execute(
        text("ALTER TABLE documents ADD COLUMN text_chars INTEGER NOT NULL DEFAULT 0")
    )
    connection.execute(
        text(
            "UPDATE documents SET text_chars = COALESCE((SELECT SUM(LENGTH(p.text)) FROM pages p "
            "WHERE p.document_id = documents.id AND TRIM(p.text) <> ''), 0)"
        )
    )


MIGRATIONS: list[Migration] = [
    m001_release_tables,
    m002_step_tokens_on_the_step,
    m003_metadata_decided_at_ingest,
    m004_key_figures,
    m005_document_text_size,
]


def applied(connection: Connection) -> list[str]:
    """The steps this database has recorded, in the order they ran."""
    if not inspect(connection).has_table(VERSIONS):
        return []
    rows = connection.execute(text(f"SELECT name FROM {VERSIONS} ORDER BY applied_at, name"))
    return [str(name) for (name,) in rows]


def migrate(engine: Engine, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the steps not yet recorded; returns their names (empty when up to date).

    The common case (up to date) only reads. Otherwise one writer at a time: SQLite's
    `BEGIN IMMEDIATE` or a PostgreSQL advisory lock, then the list is read again, so two
    processes opening an old workspace together migrate it once.
    """
    steps = MIGRATIONS if migrations is None else migrations
    with engine.connect() as connection:
        done = set(applied(connection))
        if all(step.__name__ in done for step in steps):
            return []
    with engine.connect() as connection:
        _lock(connection)
        connection.execute(
            text(f"CREATE TABLE IF NOT EXISTS {VERSIONS} "
                 "(name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)")
        )  # fmt: skip
        done = set(applied(connection))
        ran: list[str] = []
        for step in steps:
            if step.__name__ in done:
                continue
            step(connection)
            connection.execute(
                text(f"INSERT INTO {VERSIONS} (name, applied_at) VALUES (:name, :at)"),
                {"name": step.__name__, "at": datetime.now(UTC).isoformat(timespec="microseconds")},
            )
            ran.append(step.__name__)
        connection.commit()
    return ran


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(7210412)"))
