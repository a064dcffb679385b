"""Read supported files into raw pages. `pypdfium2` and `pypdf` are imported here only.

Callers normally go through `ingestion.pipeline.parse_file` (in a sandboxed worker for
PDFs); this module only turns bytes into page texts and printed labels.

PDF text comes from PDFium (pypdfium2) first: on the dev 10-Ks it reads 10-20x more
pages per CPU-second than pypdf with about the same text, and it reads page labels and
empty-password encryption itself. pypdf is the fallback for a file PDFium refuses (or
finds no text in), so a PDF one engine can read is never rejected for the other's sake.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.errors import UnreadableFileError, UnsupportedFileError

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES

# pypdf logs a warning per glyph it cannot map; they say nothing a user can act on.
logging.getLogger("pypdf").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


@dataclass(frozen=True)
class RawPage:
    index: int
    label: str | None  # from the PDF's /PageLabels; None when the file has none
    text: str


def file_sha256(path: Path) -> str:
    """The file's SHA-256. Only a regular file is read: a FIFO with no writer would block
    forever (holding the ingest lock), and a device such as /dev/zero never ends, so the
    file is opened without waiting and anything else is refused as an OSError."""
    digest = hashlib.sha256()
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file (a FIFO, a socket or a device)")
    with os.fdopen(descriptor, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


PDF_READERS = ("pdfium", "pypdf")


def read_raw_pages(path: Path, pdf_reader: str = "pdfium") -> list[RawPage]:
    """Read one file into pages; raise an `IngestError` naming the file on any failure.

    `pdf_reader` "pypdf" skips PDFium (the reader before it; kept to compare the two)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileError(f"{path}: unsupported file type '{suffix or '(none)'}'")
    if not path.is_file():
        raise UnreadableFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise UnreadableFileError(f"{path}: file is empty")
    pages = _read_pdf(path, pdf_reader) if suffix in PDF_SUFFIXES else _read_text(path)
    if not any(page.text.strip() for page in pages):
        raise UnreadableFileError(f"{path}: no extractable text")
    return pages


def _read_text(path: Path) -> list[RawPage]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{path}: {exc.strerror}") from exc
    if b"\x00" in data[:4096]:
        raise UnreadableFileError(f"{path}: binary data, not text")
    text = data.decode("utf-8", errors="replace")
    # Form feeds mark pages in plain-text exports; without them the file is one page.
    return [RawPage(index=i, label=None, text=part) for i, part in enumerate(text.split("\f"))]


def _read_pdf(path: Path, pdf_reader: str) -> list[RawPage]:
    with path.open("rb") as handle:
        if b"%PDF" not in handle.read(1024):
            raise UnreadableFileError(f"{path}: not a PDF file")
    if pdf_reader == "pypdf":
        return read_pdf_pypdf(path)
    try:
        pages = read_pdf_pdfium(path)
    except UnreadableFileError as first:
        try:
            return read_pdf_pypdf(path)
        except UnreadableFileError as second:
            raise UnreadableFileError(f"{second} (PDFium: {_reason(first, path)})") from second
    if any(page.text.strip() for page in pages):
        return pages
    try:  # PDFium found no text: pypdf sometimes decodes a font PDFium cannot
        return read_pdf_pypdf(path)
    except UnreadableFileError:
        return pages


def _reason(exc: Exception, path: Path) -> str:
    return str(exc).removeprefix(f"{path}: ")


# Characters PDFium puts in extracted text that are not text: \x02 marks a hyphen it
# generated at a line break, \ufffe/\uffff are unmapped glyphs; pages end with \r\n.
_PDFIUM_TEXT = str.maketrans(
    {"\r": None, "\x02": "-", "\ufffe": None, "\uffff": None, "\x00": None}
)


def read_pdf_pdfium(path: Path) -> list[RawPage]:
    """Page texts and labels with PDFium; `UnreadableFileError` when it cannot open them."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = str(exc).split(":", 1)[-1].strip() or type(exc).__name__
        if "password" in reason.lower():
            raise UnreadableFileError(f"{path}: PDF is password-protected") from exc
        raise UnreadableFileError(f"{path}: cannot parse PDF ({reason})") from exc
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
            finally:
                page.close()
            label = document.get_page_label(index) or None
            pages.append(RawPage(index, label, text.translate(_PDFIUM_TEXT)))
    except MemoryError as exc:
        raise UnreadableFileError(f"{path}: PDF exceeds the parser's memory limit") from exc
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError(f"{path}: cannot parse PDF ({exc})") from exc
    finally:
        document.close()
    return pages


def read_pdf_pypdf(path: Path) -> list[RawPage]:
    """Page texts and labels with pypdf (pure Python): the fallback reader."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(f"{path}: PDF is password-protected")
        root: Any = reader.trailer["/Root"]
        has_labels = "/PageLabels" in root
        labels = list(reader.page_labels) if has_labels else []
        pages = []
        for index, page in enumerate(reader.pages):
            label = labels[index] if index < len(labels) else None
            pages.append(RawPage(index=index, label=label, text=page.extract_text() or ""))
    except UnreadableFileError:
        raise
    except MemoryError as exc:
        raise UnreadableFileError(f"{path}: PDF exceeds the parser's memory limit") from exc
    except RecursionError as exc:
        raise UnreadableFileError(f"{path}: PDF structure nests too deeply") from exc
    except Exception as exc:  # pypdf raises many types on hostile input
        if type(exc).__name__ == "LimitReachedError":
            raise UnreadableFileError(f"{path}: PDF inflates beyond the parser's limits") from exc
        raise UnreadableFileError(f"{path}: cannot parse PDF ({type(exc).__name__})") from exc
    return pages
