"""Read supported files into pages. `pypdf` is imported here and nowhere else."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from ingestion.errors import UnreadableFileError, UnsupportedFileError
from ingestion.records import Page, ParsedDocument

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES

# pypdf logs a warning per glyph it cannot map; they say nothing a user can act on.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_document(path: Path) -> ParsedDocument:
    """Read one file into pages; raise an `IngestError` naming the file on any failure."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileError(f"{path}: unsupported file type '{suffix or '(none)'}'")
    if not path.is_file():
        raise UnreadableFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise UnreadableFileError(f"{path}: file is empty")
    pages = _read_pdf(path) if suffix in PDF_SUFFIXES else _read_text(path)
    if not any(page.text.strip() for page in pages):
        raise UnreadableFileError(f"{path}: no extractable text")
    return ParsedDocument(path=path, name=path.stem, sha256=file_sha256(path), pages=pages)


def _read_text(path: Path) -> list[Page]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UnreadableFileError(f"{path}: {exc.strerror}") from exc
    # Form feeds mark pages in plain-text exports; without them the file is one page.
    parts = text.split("\f")
    return [Page(index=i, label=str(i + 1), text=part) for i, part in enumerate(parts)]


def _read_pdf(path: Path) -> list[Page]:
    with path.open("rb") as handle:
        if b"%PDF" not in handle.read(1024):
            raise UnreadableFileError(f"{path}: not a PDF file")
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(f"{path}: PDF is password-protected")
        labels = list(reader.page_labels)
        pages = []
        for index, page in enumerate(reader.pages):
            label = labels[index] if index < len(labels) else str(index + 1)
            pages.append(Page(index=index, label=label, text=page.extract_text() or ""))
    except UnreadableFileError:
        raise
    except Exception as exc:  # pypdf raises many types on hostile input
        raise UnreadableFileError(f"{path}: cannot parse PDF ({type(exc).__name__})") from exc
    return pages
