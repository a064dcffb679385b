"""Hostile and awkward files for the sandbox tests, generated on the fly."""

from __future__ import annotations

import zlib
from pathlib import Path

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
# A Type 3 font with no glyph procedures: PDFium maps none of its codes to text, pypdf
# reads them through the /Differences names (the standard glyph names of the letters).
TYPE3 = (
    b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [1 0 0 1 0 0] "
    b"/CharProcs << >> /Encoding << /Differences [0 /a] >> /FirstChar 0 /LastChar 255 "
    b"/Widths [] >>"
)


def pdf_with_stream(
    path: Path, stream: bytes, filtered: bool = True, font: bytes = HELVETICA, prefix: bytes = b""
) -> Path:
    """A minimal valid PDF whose single page has `stream` as its content; `prefix` is junk
    before the `%PDF` header, as when a mail or HTTP header was saved with the file (the
    offsets count from the header, which PDFium allows for and pypdf does not)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n"
        % (len(stream), b" /Filter /FlateDecode" if filtered else b"")
        + stream
        + b"\nendstream",
        font,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(prefix + bytes(out))
    return path


CAPEX = b"BT /F1 12 Tf 72 700 Td (Capital expenditures were 412 million) Tj ET"


def type3_text_pdf(path: Path) -> Path:
    """Text PDFium extracts as nothing and pypdf reads: the reader falls back to pypdf."""
    return pdf_with_stream(path, CAPEX, filtered=False, font=TYPE3)


def late_header_pdf(path: Path) -> Path:
    """600 bytes before `%PDF`: pypdf refuses the file, PDFium reads it."""
    return pdf_with_stream(path, CAPEX, filtered=False, prefix=b"x" * 600)


def decompression_bomb(path: Path, megabytes: int = 400) -> Path:
    """A few hundred kB that inflate to `megabytes` of page content."""
    compressor = zlib.compressobj(9)
    chunk = b"BT /F1 12 Tf (A) Tj ET\n" * 40_000
    body = bytearray()
    for _ in range(megabytes * 1_000_000 // len(chunk)):
        body += compressor.compress(chunk)
    body += compressor.flush()
    return pdf_with_stream(path, bytes(body))


TOPICS = ["Revenue", "Freight cost", "Headcount", "Energy use", "Inventory", "Debt", "Capex"]


def long_pdf(path: Path, pages: int) -> Path:
    """`pages` pages of one short line each ("Section N. <topic> for unit N was stable."),
    written directly: fpdf2 took 5.5 s for 10,000 pages on 2 cores, this takes a tenth."""
    count = 4 + 2 * pages  # free entry 0, catalog, pages tree, font; a page and its content each
    out = bytearray(b"%PDF-1.4\n")
    offsets: list[int] = []

    def add(body: bytes) -> None:
        offsets.append(len(out))
        out.extend(b"%d 0 obj\n" % (len(offsets)) + body + b"\nendobj\n")

    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(pages))
    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages)
    add(HELVETICA)
    for number in range(pages):
        topic = TOPICS[number % len(TOPICS)]
        line = f"Section {number}. {topic} for unit {number} was stable.".encode()
        stream = b"BT /F1 11 Tf 72 740 Td (" + line + b") Tj ET"
        add(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * number)
        )
        add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref)
    path.write_bytes(bytes(out))
    return path
