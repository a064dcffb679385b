"""Pack structure blocks into chunks measured in the embedder's own tokens.

A chunk stays on one page (the page is the unit a citation shows) and inside one section
when it can; tables are kept whole unless a single table is larger than a chunk. Chunks
that had to be cut for size overlap a little, so a sentence at the cut is found in both.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import groupby

from ingestion.records import Chunk, Page
from ingestion.structure import Block
from ingestion.tokens import TokenOffsets

# MiniLM's window is 256 tokens with [CLS]/[SEP]; leave room for the title line the
# embedder puts in front of each chunk (see ingestion.pipeline.embedding_text).
DEFAULT_TOKENS = 224
DEFAULT_OVERLAP = 32
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"\u201c])|\n\n")
WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    kind: str


class _PageTokens:
    def __init__(self, text: str, counter: TokenOffsets) -> None:
        spans = counter.offsets(text)
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]
        self.text = text

    def count(self, start: int, end: int) -> int:
        return bisect_left(self.starts, end) - bisect_left(self.starts, start)

    def back_from(self, end: int, tokens: int) -> int:
        """A word start about `tokens` tokens before `end`."""
        index = max(0, bisect_left(self.starts, end) - tokens)
        if index >= len(self.starts):
            return end
        position = self.starts[index]
        while position < end and position > 0 and not self.text[position - 1].isspace():
            position += 1
        return position


def chunk_blocks(
    pages: list[Page],
    blocks: list[Block],
    counter: TokenOffsets,
    max_tokens: int = DEFAULT_TOKENS,
    overlap: int = DEFAULT_OVERLAP,
) -> list[Chunk]:
    if overlap >= max_tokens // 2:
        raise ValueError("overlap must be smaller than half the chunk size")
    by_index = {page.index: page for page in pages}
    chunks: list[Chunk] = []
    for page_index, page_blocks in groupby(blocks, key=lambda b: b.page):
        page = by_index[page_index]
        tokens = _PageTokens(page.text, counter)
        for section, pieces in _section_groups(list(page_blocks), tokens, max_tokens):
            for start, end, kind in _pack(pieces, tokens, max_tokens, overlap):
                chunks.append(
                    Chunk(
                        ordinal=len(chunks),
                        text=page.text[start:end],
                        first_page=page.index,
                        last_page=page.index,
                        start_char=start,
                        end_char=end,
                        section=section,
                        kind=kind,
                    )
                )
    return chunks


def _section_groups(
    blocks: list[Block], tokens: _PageTokens, max_tokens: int
) -> list[tuple[str, list[_Piece]]]:
    groups: list[tuple[str, list[_Piece]]] = []
    pending: list[_Piece] = []  # headings waiting for the content they introduce
    for section, grouped in groupby(blocks, key=lambda b: b.section):
        members = list(grouped)
        pieces = pending + [p for b in members for p in _pieces(b, tokens, max_tokens)]
        if all(b.kind == "heading" for b in members):
            pending = pieces
            continue
        pending = []
        groups.append((section, pieces))
    if pending:
        groups.append((blocks[-1].section, pending))
    return groups


def _pieces(block: Block, tokens: _PageTokens, max_tokens: int) -> list[_Piece]:
    if block.kind == "table" and tokens.count(block.start, block.end) <= max_tokens:
        return [_Piece(block.start, block.end, "table")]
    text = tokens.text[block.start : block.end]
    splitter = re.compile(r"\n") if block.kind == "table" else SENTENCE_END
    pieces: list[_Piece] = []
    position = 0
    for match in splitter.finditer(text):
        pieces.extend(_fit(block.start + position, block.start + match.start(), block, tokens))
        position = match.end()
    pieces.extend(_fit(block.start + position, block.end, block, tokens))
    return [p for p in pieces if p.end > p.start]


def _fit(start: int, end: int, block: Block, tokens: _PageTokens) -> list[_Piece]:
    """A sentence longer than a chunk is cut at word boundaries (half-chunk pieces)."""
    kind = "table" if block.kind == "table" else "text"
    limit = 96
    if tokens.count(start, end) <= limit:
        return [_Piece(start, end, kind)]
    words = [m.span() for m in WORD.finditer(tokens.text, start, end)]
    pieces, first, previous_end = [], start, start
    for _, word_end in words:
        if tokens.count(first, word_end) > limit and previous_end > first:
            pieces.append(_Piece(first, previous_end, kind))
            first = _next_word_start(words, previous_end)
        previous_end = word_end
    pieces.append(_Piece(first, end, kind))
    return pieces


def _next_word_start(words: list[tuple[int, int]], after: int) -> int:
    for start, _ in words:
        if start >= after:
            return start
    return after


def _pack(
    pieces: list[_Piece], tokens: _PageTokens, max_tokens: int, overlap: int
) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    start = end = -1
    kinds: set[str] = set()
    for piece in pieces:
        if start < 0:
            start, end, kinds = piece.start, piece.end, {piece.kind}
            continue
        if tokens.count(start, piece.end) <= max_tokens:
            end = piece.end
            kinds.add(piece.kind)
            continue
        out.append((start, end, _kind(kinds)))
        next_start = piece.start
        if overlap and "table" not in kinds and piece.kind != "table":
            candidate = tokens.back_from(end, overlap)
            if candidate < piece.start and tokens.count(candidate, piece.end) <= max_tokens:
                next_start = candidate
        start, end, kinds = next_start, piece.end, {piece.kind}
    if start >= 0:
        out.append((start, end, _kind(kinds)))
    return out


def _kind(kinds: set[str]) -> str:
    return "table" if kinds == {"table"} else "text"
