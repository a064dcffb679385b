"""What the desk hands the screens: plain frozen records of an ingest's progress, a page
and a summary's outcome, apart from the desk that makes them. The library's rows are the
catalogue's own `DocumentInfo` (one shape for a document's metadata)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingestion.records import DocumentMeta
from retrieval.catalogue import DocumentInfo, Status
from retrieval.types import Evidence


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


def period_shown(meta: DocumentMeta) -> str:
    """`FY2023` or `2023Q2` as ingestion decided it; the bare year when that is all."""
    if meta.fiscal_period:
        return meta.fiscal_period
    return str(meta.fiscal_year) if meta.fiscal_year else ""


def pending_row(path: Path, status: Status, reason: str) -> DocumentInfo:
    """A file this session is ingesting, or refused, before (or instead of) its catalogue
    row: the library lists it in the same shape."""
    meta = DocumentMeta(id=f"file:{path}", name=path.stem)
    return DocumentInfo(meta, str(path), "", status, reason, 0, 0, "")
