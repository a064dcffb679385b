"""Split pages into overlapping word windows that keep their page and character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingestion.records import Chunk, Page

WORD = re.compile(r"\S+")

# ~1.3 MiniLM tokens per English word: 160 words stay inside its 256-token window.
DEFAULT_WORDS = 160
DEFAULT_OVERLAP = 24


def chunk_pages(
    pages: list[Page], words: int = DEFAULT_WORDS, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    if overlap >= words:
        raise ValueError("overlap must be smaller than the chunk size")
    chunks: list[Chunk] = []
    for page in pages:
        for start, end in _windows(page.text, words, overlap):
            chunks.append(
                Chunk(
                    ordinal=len(chunks),
                    text=page.text[start:end],
                    first_page=page.index,
                    last_page=page.index,
                    start_char=start,
                    end_char=end,
                )
            )
    return chunks


def _windows(text: str, words: int, overlap: int) -> Iterator[tuple[int, int]]:
    spans = [m.span() for m in WORD.finditer(text)]
    step = words - overlap
    for first in range(0, len(spans), step):
        window = spans[first : first + words]
        yield window[0][0], window[-1][1]
        if first + words >= len(spans):
            break
