"""Evidence units: ranked chunks turned into whole pages or short page spans.

A chunk is the unit of matching, a page the unit of reading: the model (and the analyst
checking a citation) sees whole pages, so a table cut across two chunks arrives whole.
Chunks on the same page, or on neighbouring pages of one document, merge into one unit
(at most `max_span` pages); a unit is ranked by its best chunk, and a chunk whose pages
are already covered adds weight to that unit instead of a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from retrieval.catalogue import Catalogue, StoredChunk
from retrieval.passages import unit_passages
from retrieval.question import RowTerms
from retrieval.types import Evidence, PageTexts


@dataclass(frozen=True)
class RankedChunk:
    chunk: StoredChunk
    score: float


def build_units(
    ranked: list[RankedChunk], k: int, max_span: int = 2, aggregate: str = "sum"
) -> list[Evidence]:
    """The top `k` units from chunks in rank order; a unit's score is its best chunk's
    (`aggregate="max"`, what search passes by default) or its chunks' scores summed.

    Summing rewards pages several chunks point to (a statement page matched on its title
    and on its line items); ties keep the order of the best chunk.
    """
    units: list[Evidence] = []
    for item in ranked:
        c = item.chunk
        at = _absorbing(units, c, max_span)
        if at is None:
            units.append(
                Evidence(
                    c.document_id,
                    c.document_name,
                    c.first_page,
                    c.last_page,
                    score=item.score,
                    passage=(c.first_page, c.start_char, c.end_char),
                    chunk_ids=(c.id,),
                )
            )
            continue
        unit = units[at]
        units[at] = replace(
            unit,
            first_page=min(unit.first_page, c.first_page),
            last_page=max(unit.last_page, c.last_page),
            score=(unit.score or 0.0) + item.score if aggregate == "sum" else unit.score,
            chunk_ids=(*unit.chunk_ids, c.id),
        )
    units.sort(key=lambda u: -(u.score or 0.0))  # stable: ties keep the best chunk's order
    return units[:k]


def _absorbing(units: list[Evidence], c: StoredChunk, max_span: int) -> int | None:
    for at, unit in enumerate(units):
        if unit.document_id != c.document_id:
            continue
        first = min(unit.first_page, c.first_page)
        last = max(unit.last_page, c.last_page)
        touching = c.first_page <= unit.last_page + 1 and c.last_page >= unit.first_page - 1
        if touching and last - first + 1 <= max_span:
            return at
    return None


def read_units(
    units: list[Evidence],
    pages: PageTexts,
    chunks: Mapping[str, StoredChunk],
    rows: RowTerms | None = None,
) -> list[Evidence]:
    """Each unit with the text of its pages (each headed by its number when it spans two)
    and its passages, in one step, from pages and chunks already read: nothing is re-read."""
    read = []
    for unit in units:
        have = pages.get(unit.document_id, {})
        texts = {i: have[i] for i in unit.pages if i in have}
        if len(texts) == 1:
            text = next(iter(texts.values())).strip()
        else:
            text = "\n\n".join(f"(page {i + 1})\n{t.strip()}" for i, t in texts.items())
        passages = unit_passages(unit, text, texts, chunks, rows)
        read.append(replace(unit, text=text, passages=passages))
    return read


class PageReader:
    """The page texts one question has read; each `read` asks the catalogue, in one query,
    only for the pages it does not hold yet."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self.texts: PageTexts = {}
        self._whole: set[str] = set()  # documents read in full

    def read(self, wanted: Mapping[str, Iterable[int] | None]) -> PageTexts:
        """Every page of a document mapped to None, else the pages named."""
        missing: dict[str, set[int] | None] = {}
        for doc, indexes in wanted.items():
            if doc in self._whole:
                continue
            if indexes is None:
                missing[doc] = None
            elif lacking := set(indexes) - set(self.texts.get(doc, {})):
                missing[doc] = lacking
        if missing:
            for doc, texts in self._catalogue.page_texts(missing).items():
                self.texts.setdefault(doc, {}).update(texts)
            self._whole.update(doc for doc, indexes in missing.items() if indexes is None)
        return self.texts


def pages_of(units: list[Evidence]) -> dict[str, set[int]]:
    """The pages the units cover, by document."""
    wanted: dict[str, set[int]] = {}
    for unit in units:
        wanted.setdefault(unit.document_id, set()).update(unit.pages)
    return wanted
