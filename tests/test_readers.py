from pathlib import Path

import pytest

from ingestion.chunker import chunk_pages
from ingestion.errors import UnreadableFileError, UnsupportedFileError
from ingestion.readers import read_document
from tests.conftest import REPORT_PAGES, financebench_pdf


def test_pdf_pages_keep_their_index_and_text(report_pdf: Path) -> None:
    doc = read_document(report_pdf)
    assert doc.name == "NORTHWIND_2023_10K"
    assert [p.index for p in doc.pages] == [0, 1, 2, 3]
    assert "412 million" in doc.pages[1].text
    assert "412 million" not in doc.pages[0].text
    assert len(doc.sha256) == 64


def test_chunks_point_back_into_their_page(report_pdf: Path) -> None:
    doc = read_document(report_pdf)
    chunks = chunk_pages(doc.pages, words=8, overlap=2)
    assert len(chunks) > len(REPORT_PAGES)
    for chunk in chunks:
        page = doc.pages[chunk.first_page]
        assert page.text[chunk.start_char : chunk.end_char] == chunk.text
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_text_file_splits_on_form_feeds(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first page\fsecond page")
    doc = read_document(path)
    assert [p.text for p in doc.pages] == ["first page", "second page"]


def test_non_pdf_named_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("this is not a pdf at all")
    with pytest.raises(UnreadableFileError, match="not a PDF"):
        read_document(path)


def test_zero_byte_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(UnreadableFileError, match="empty"):
        read_document(path)


def test_truncated_pdf_is_rejected(tmp_path: Path, report_pdf: Path) -> None:
    path = tmp_path / "truncated.pdf"
    path.write_bytes(report_pdf.read_bytes()[:400])
    with pytest.raises(UnreadableFileError):
        read_document(path)


def test_unsupported_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(UnsupportedFileError):
        read_document(path)


def test_real_encrypted_10k_reads() -> None:
    """Some real 10-Ks are AES-encrypted with an empty password (pypdf's crypto extra)."""
    doc = read_document(financebench_pdf("NETFLIX_2017_10K"))
    assert doc.page_count == 73
    assert "Netflix" in " ".join(p.text for p in doc.pages[:3])
