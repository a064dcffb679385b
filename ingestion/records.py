"""Record types shared by ingestion, the catalogue and the services.

They cross process boundaries (the parsing sandbox pickles them), so they stay plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Page:
    index: int  # zero-based position in the file
    label: str  # printed page label, or index + 1 when the file has none
    text: str  # cleaned text; chunk offsets point into it


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    text: str
    first_page: int
    last_page: int
    start_char: int  # offset into the first page's text
    end_char: int  # offset into the last page's text
    section: str = ""  # e.g. "Item 7. Management's Discussion > Results of Operations"
    kind: str = "text"  # "text" or "table"


@dataclass(frozen=True)
class DocumentMeta:
    """What a filter needs: who filed it, which form, which period."""

    company: str = ""
    form_type: str = ""  # 10-K, 10-Q, 8-K, earnings, or "" when unknown
    fiscal_year: int | None = None
    fiscal_period: str = ""  # "FY2018" or "2023Q2"
    doc_date: str = ""  # ISO date of the period end or the report date, when found

    def as_payload(self) -> dict[str, object]:
        return {
            "company": self.company,
            "form_type": self.form_type,
            "fiscal_year": self.fiscal_year,
            "fiscal_period": self.fiscal_period,
            "doc_date": self.doc_date,
        }


@dataclass
class ParsedDocument:
    path: Path
    name: str  # display name used in citations, e.g. AMAZON_2019_10K
    sha256: str
    pages: list[Page] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    warnings: list[str] = field(default_factory=list)  # e.g. cleaning emptied most pages

    @property
    def page_count(self) -> int:
        return len(self.pages)
