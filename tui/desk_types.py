"""What the desk hands the screens: plain frozen records of the library, an ingest's
progress, a page and a summary's outcome, apart from the desk that makes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retrieval.catalogue import DocumentInfo
from retrieval.types import Evidence


@dataclass(frozen=True)
class LibraryEntry:
    id: str
    name: str
    company: str
    form: str
    period: str
    pages: int
    chunks: int
    status: str  # "ready", "searchable" (no dense vectors yet), "ingesting" or "rejected"
    reason: str
    path: str


@dataclass(frozen=True)
class FileProgress:
    """One file's progress through ingestion: `state` is ingesting, ingested, skipped or
    rejected; `detail` says why or how much."""

    path: str
    number: int
    total: int
    state: str
    detail: str = ""


@dataclass(frozen=True)
class AskStarted:
    """Retrieval is done; generation starts. `omitted` lists sources left out of the prompt."""

    sources: list[Evidence]
    omitted: list[str]


@dataclass(frozen=True)
class PageView:
    document_id: str
    document_name: str
    index: int  # zero-based
    label: str
    page_count: int
    text: str


@dataclass(frozen=True)
class SummaryOutcome:
    status: str  # "done", "skipped" (already summarised), "cancelled" or "failed"
    markdown: str
    path: str
    reason: str = ""


def _period(document: DocumentInfo) -> str:
    """`FY2023` or `2023Q2` as ingestion detected it; the bare year when that is all."""
    meta = document.meta
    if meta.fiscal_period:
        return meta.fiscal_period
    return str(meta.fiscal_year) if meta.fiscal_year else ""


def entry_of(document: DocumentInfo) -> LibraryEntry:
    return LibraryEntry(
        id=document.id,
        name=document.name,
        company=document.meta.company,
        form=document.meta.form_type,
        period=_period(document),
        pages=document.page_count,
        chunks=document.chunk_count,
        status=document.status,
        reason=document.reason,
        path=document.path,
    )


def pending_row(path: Path, status: str, reason: str) -> LibraryEntry:
    return LibraryEntry(
        id=f"file:{path}",
        name=path.stem,
        company="",
        form="",
        period="",
        pages=0,
        chunks=0,
        status=status,
        reason=reason,
        path=str(path),
    )
