"""Evidence units: ranked chunks turned into whole pages or short page spans.

A chunk is the unit of matching, a page the unit of reading: the model (and the analyst
checking a citation) sees whole pages, so a table cut across two chunks arrives whole.
Chunks on the same page, or on neighbouring pages of one document, merge into one unit
(at most `max_span` pages); a unit is ranked by its best chunk, and a chunk whose pages
are already covered adds weight to that unit instead of a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.catalogue import Catalogue, StoredChunk


@dataclass
class EvidenceUnit:
    document_id: str
    document_name: str
    first_page: int  # zero-based, inclusive
    last_page: int
    score: float
    chunk_ids: list[str] = field(default_factory=list)
    text: str = ""
    passage: tuple[int, int, int] | None = None  # (page, start, end) of the best chunk

    @property
    def pages(self) -> range:
        return range(self.first_page, self.last_page + 1)


@dataclass(frozen=True)
class RankedChunk:
    chunk: StoredChunk
    score: float


def build_units(
    ranked: list[RankedChunk], k: int, max_span: int = 2, aggregate: str = "sum"
) -> list[EvidenceUnit]:
    """The top `k` units from chunks in rank order; a unit's score is its chunks' scores summed.

    Summing rewards pages several chunks point to (a statement page matched on its title
    and on its line items); ties keep the order of the best chunk.
    """
    units: list[EvidenceUnit] = []
    for item in ranked:
        c = item.chunk
        unit = _absorbing(units, c, max_span)
        if unit is None:
            units.append(
                EvidenceUnit(
                    c.document_id,
                    c.document_name,
                    c.first_page,
                    c.last_page,
                    item.score,
                    [c.id],
                    passage=(c.first_page, c.start_char, c.end_char),
                )
            )
            continue
        unit.first_page = min(unit.first_page, c.first_page)
        unit.last_page = max(unit.last_page, c.last_page)
        unit.score = unit.score + item.score if aggregate == "sum" else unit.score
        unit.chunk_ids.append(c.id)
    order = {id(u): i for i, u in enumerate(units)}
    units.sort(key=lambda u: (-u.score, order[id(u)]))
    return units[:k]


def _absorbing(units: list[EvidenceUnit], c: StoredChunk, max_span: int) -> EvidenceUnit | None:
    for unit in units:
        if unit.document_id != c.document_id:
            continue
        first = min(unit.first_page, c.first_page)
        last = max(unit.last_page, c.last_page)
        touching = c.first_page <= unit.last_page + 1 and c.last_page >= unit.first_page - 1
        if touching and last - first + 1 <= max_span:
            return unit
    return None


def fill_text(catalogue: Catalogue, units: list[EvidenceUnit]) -> list[EvidenceUnit]:
    """Give each unit the full text of its pages, each page headed by its number."""
    for unit in units:
        pages = catalogue.pages(unit.document_id, unit.pages)
        if len(pages) == 1:
            unit.text = next(iter(pages.values())).strip()
        else:
            unit.text = "\n\n".join(f"(page {i + 1})\n{t.strip()}" for i, t in pages.items())
    return units
