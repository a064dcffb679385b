"""One file in, one page-true, chunked, labelled document out. Runs inside the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingestion.chunker import DEFAULT_OVERLAP, DEFAULT_TOKENS, chunk_blocks
from ingestion.cleaning import clean_pages_reported
from ingestion.metadata import extract_metadata
from ingestion.readers import file_sha256, read_raw_pages
from ingestion.records import Chunk, DocumentMeta, ParsedDocument
from ingestion.structure import find_blocks
from ingestion.tokens import TokenOffsets, token_offsets_for


@dataclass(frozen=True)
class ParseOptions:
    tokenizer_folder: Path | None = None  # the embedder's model folder
    max_tokens: int = DEFAULT_TOKENS
    overlap: int = DEFAULT_OVERLAP
    pdf_reader: str = "pdfium"  # or "pypdf" (see ingestion.readers)


@lru_cache(maxsize=4)
def _counter(folder: Path | None) -> TokenOffsets:
    return token_offsets_for(folder)


def parse_file(path: Path, options: ParseOptions | None = None) -> ParsedDocument:
    """Read, clean, find structure, chunk and label one file; `IngestError` on failure."""
    options = options or ParseOptions()
    raw = read_raw_pages(path, options.pdf_reader)
    pages, warnings = clean_pages_reported(raw)
    blocks = find_blocks(pages)
    chunks = chunk_blocks(
        pages, blocks, _counter(options.tokenizer_folder), options.max_tokens, options.overlap
    )
    meta = extract_metadata(path.stem, pages)
    return ParsedDocument(
        path=path,
        name=path.stem,
        sha256=file_sha256(path),
        pages=pages,
        chunks=chunks,
        meta=meta,
        warnings=warnings,
    )


EMBEDDING_TEXT_VERSION = 1  # what embedding_text gives; a change needs a reindex


def embedding_text(name: str, meta: DocumentMeta, chunk: Chunk) -> str:
    """What the embedder sees: a short title line (who, which filing, which section) + text.

    The stored chunk text stays the exact page passage; only the vector gets the context.
    """
    title = " ".join(p for p in (meta.company or name, meta.form_type, meta.fiscal_period) if p)
    section = f" | {chunk.section}" if chunk.section else ""
    return f"{title}{section}\n{chunk.text}"
