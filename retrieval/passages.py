"""Passages: the part of an evidence unit worth reading when its whole pages do not fit.

A unit is whole pages; when the budget cannot hold them, the assembler falls back to a
passage (the unit's best-matching chunks with the chunk before and after each), then to an
excerpt (its best chunk alone). A table is never cut: a matched table chunk brings the whole
table (every table chunk next to it on the page) and its caption, the line above it. Text
is taken from the stored page, so offsets, and the page a passage comes from, stay exact;
a unit spanning two pages heads each page's part with its page number.
"""

from __future__ import annotations

from collections.abc import Mapping

from retrieval.catalogue import StoredChunk
from retrieval.question import RowTerms
from retrieval.question_rows import NEAR_ROWS, TABLE_ROWS, row_spans
from retrieval.types import Evidence

BEST_CHUNKS = 3  # matched chunks a passage is built around
CAPTION_CHARS = 240  # how far above a table its caption is looked for
GAP = " … "
NEAR = 4  # chunks read either side of a match: neighbours, and the rest of a table


def unit_passages(
    unit: Evidence,
    whole: str,
    pages: Mapping[int, str],
    chunks: Mapping[str, StoredChunk],
    rows: RowTerms | None = None,
) -> tuple[str, ...]:
    """Shorter alternatives to the unit's whole pages (`whole`), longest first (may be
    empty), cut from `pages` around its best chunks; `chunks` holds them and their
    neighbours (`Catalogue.chunks_near`). The rows and column headers the question's line
    items and periods point to (`rows`) are kept at every level, the tables holding them in the
    passage (retrieval/question_rows.py)."""
    best = [
        chunks[i]
        for i in unit.chunk_ids[:BEST_CHUNKS]
        if i in chunks and chunks[i].first_page in unit.pages
    ]
    if not best:
        return ()
    by_position = {(c.document_id, c.ordinal): c for c in chunks.values()}
    tables = row_spans(rows, pages, TABLE_ROWS) if rows else {}
    passage = _render(unit, pages, _spans(best, by_position, pages, True, tables))
    near = row_spans(rows, pages, NEAR_ROWS) if rows else {}
    excerpt = _render(unit, pages, _spans(best[:1], by_position, pages, False, near))
    whole = whole.strip()
    return tuple(t for t in dict.fromkeys((passage, excerpt)) if t and len(t) < len(whole))


def _spans(
    best: list[StoredChunk],
    by_position: dict[tuple[str, int], StoredChunk],
    pages: Mapping[int, str],
    neighbours: bool,
    rows: Mapping[int, list[tuple[int, int]]],
) -> dict[int, list[tuple[int, int]]]:
    """Character spans to show, per page: each chunk, its neighbours, whole tables, and
    the question's rows and headers."""
    spans: dict[int, list[tuple[int, int]]] = {i: list(r) for i, r in rows.items() if i in pages}
    for chunk in best:
        members = [chunk]
        if neighbours:
            members += [
                c
                for d in (-1, 1)
                if (c := by_position.get((chunk.document_id, chunk.ordinal + d))) is not None
            ]
        members += _table_run(chunk, by_position)
        for member in members:
            if member.first_page not in pages:
                continue
            start = member.start_char
            if member.kind == "table":
                start = _caption_start(pages[member.first_page], start)
            spans.setdefault(member.first_page, []).append((start, member.end_char))
    return spans


def _table_run(
    chunk: StoredChunk, by_position: dict[tuple[str, int], StoredChunk]
) -> list[StoredChunk]:
    """The other chunks of the table `chunk` belongs to (a table larger than one chunk)."""
    if chunk.kind != "table":
        return []
    run: list[StoredChunk] = []
    for step in (-1, 1):
        ordinal = chunk.ordinal + step
        while (c := by_position.get((chunk.document_id, ordinal))) is not None:
            if c.kind != "table" or c.first_page != chunk.first_page:
                break
            run.append(c)
            ordinal += step
    return run


def _caption_start(page: str, start: int) -> int:
    """The start of the non-empty line above a table: its caption."""
    before = page[max(0, start - CAPTION_CHARS) : start].rstrip()
    if not before:
        return start
    cut = before.rfind("\n")
    return max(0, start - CAPTION_CHARS) + (cut + 1 if cut >= 0 else 0)


def _render(
    unit: Evidence, pages: Mapping[int, str], spans: dict[int, list[tuple[int, int]]]
) -> str:
    parts: list[str] = []
    for index in sorted(spans):
        text = pages[index]
        merged: list[list[int]] = []
        for start, end in sorted(spans[index]):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        pieces = [text[a:b].strip() for a, b in merged]
        body = GAP.join(p for p in pieces if p)
        if merged and merged[0][0] > 0:
            body = "… " + body
        if merged and merged[-1][1] < len(text.rstrip()):
            body += " …"
        head = f"(page {index + 1})\n" if unit.last_page > unit.first_page else ""
        parts.append(head + body)
    return "\n\n".join(parts)
