"""Record types shared by ingestion, the catalogue and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Page:
    index: int  # zero-based position in the file
    label: str  # printed page label, or index + 1 when the file has none
    text: str


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    text: str
    first_page: int
    last_page: int
    start_char: int  # offset into the first page's text
    end_char: int  # offset into the last page's text


@dataclass
class ParsedDocument:
    path: Path
    name: str  # display name used in citations, e.g. AMAZON_2019_10K
    sha256: str
    pages: list[Page] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)
