"""Hostile and awkward files for the sandbox tests, generated on the fly."""

from __future__ import annotations

import zlib
from pathlib import Path

from fpdf import FPDF


def pdf_with_stream(path: Path, stream: bytes, filtered: bool = True) -> Path:
    """A minimal valid PDF whose single page has `stream` as its content."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n"
        % (len(stream), b" /Filter /FlateDecode" if filtered else b"")
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
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
    path.write_bytes(bytes(out))
    return path


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
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for number in range(pages):
        pdf.add_page()
        topic = TOPICS[number % len(TOPICS)]
        pdf.multi_cell(0, 6, f"Section {number}. {topic} for unit {number} was stable.")
    pdf.output(str(path))
    return path
