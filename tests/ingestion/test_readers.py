"""Reading files into page-true, cleaned, chunked documents (the sandbox's inner work)."""

from pathlib import Path

import pytest

from ingestion.embedder import bundled_model_folder
from ingestion.errors import UnreadableFileError, UnsupportedFileError
from ingestion.pipeline import ParseOptions, parse_file
from ingestion.readers import read_pdf_pdfium, read_pdf_pypdf, read_raw_pages
from tests.conftest import financebench_pdf
from tests.hostile import late_header_pdf, type3_text_pdf


def options(tokens: int = 224, overlap: int = 32) -> ParseOptions:
    return ParseOptions(bundled_model_folder(), tokens, overlap)


def test_pdf_pages_keep_their_index_and_text(report_pdf: Path) -> None:
    doc = parse_file(report_pdf, options())
    assert doc.name == "NORTHWIND_2023_10K"
    assert [p.index for p in doc.pages] == [0, 1, 2, 3]
    assert [p.label for p in doc.pages] == ["1", "2", "3", "4"]
    assert "412 million" in doc.pages[1].text
    assert "412 million" not in doc.pages[0].text
    assert len(doc.sha256) == 64


def test_chunks_point_back_into_their_page(report_pdf: Path) -> None:
    doc = parse_file(report_pdf, options(tokens=40, overlap=8))
    assert len(doc.chunks) >= len(doc.pages)
    for chunk in doc.chunks:
        page = doc.pages[chunk.first_page]
        assert chunk.first_page == chunk.last_page
        assert page.text[chunk.start_char : chunk.end_char] == chunk.text
    assert [c.ordinal for c in doc.chunks] == list(range(len(doc.chunks)))


def test_text_and_markdown_files_split_on_form_feeds(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first page\fsecond page")
    doc = parse_file(path, options())
    assert [p.text for p in doc.pages] == ["first page", "second page"]
    md = tmp_path / "memo.md"
    md.write_text("# Liquidity\n\nCash on hand was 5 million dollars.\n")
    assert "Cash on hand" in parse_file(md, options()).chunks[0].text


def test_non_pdf_named_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("this is not a pdf at all")
    with pytest.raises(UnreadableFileError, match="not a PDF"):
        read_raw_pages(path)


def test_zero_byte_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(UnreadableFileError, match="empty"):
        read_raw_pages(path)


def test_truncated_pdf_is_rejected(tmp_path: Path, report_pdf: Path) -> None:
    path = tmp_path / "truncated.pdf"
    path.write_bytes(report_pdf.read_bytes()[:400])
    with pytest.raises(UnreadableFileError):
        read_raw_pages(path)


def test_unsupported_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(UnsupportedFileError):
        read_raw_pages(path)


@pytest.mark.slow  # a real 73-page encrypted filing
def test_real_encrypted_10k_reads() -> None:
    """Some real 10-Ks are AES-encrypted with an empty password (pypdf's crypto extra)."""
    pages = read_raw_pages(financebench_pdf("NETFLIX_2017_10K"))
    assert len(pages) == 73
    assert "Netflix" in " ".join(p.text for p in pages[:3])


def test_pdfium_finds_no_text_and_pypdf_reads_it(tmp_path: Path) -> None:
    path = type3_text_pdf(tmp_path / "type3.pdf")
    assert [p.text for p in read_pdf_pdfium(path)] == [""]
    assert "412 million" in read_raw_pages(path)[0].text  # the pypdf fallback
    assert "412 million" in read_raw_pages(path, pdf_reader="pypdf")[0].text


def test_pypdf_refuses_and_pdfium_reads(tmp_path: Path) -> None:
    path = late_header_pdf(tmp_path / "late.pdf")
    with pytest.raises(UnreadableFileError):
        read_pdf_pypdf(path)
    assert "412 million" in read_raw_pages(path)[0].text
    with pytest.raises(UnreadableFileError, match="cannot parse PDF"):
        read_raw_pages(path, pdf_reader="pypdf")  # the reader before PDFium lost this file


def test_both_readers_refusing_names_both_reasons(tmp_path: Path, report_pdf: Path) -> None:
    path = tmp_path / "truncated.pdf"
    path.write_bytes(report_pdf.read_bytes()[:400])
    with pytest.raises(UnreadableFileError, match=r"cannot parse PDF .*\(PDFium: "):
        read_raw_pages(path)


def test_pdfium_text_has_no_carriage_returns_or_markers(report_pdf: Path) -> None:
    pages = read_pdf_pdfium(report_pdf)
    assert len(pages) == 4 and "412 million" in pages[1].text
    assert not any(c in p.text for p in pages for c in "\r\x02\ufffe")


def test_page_labels_and_empty_password_encryption_read_by_pdfium(
    tmp_path: Path, report_pdf: Path
) -> None:
    """What pypdf was kept for: PDFium reads /PageLabels and empty-password AES itself."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(report_pdf))
    writer.set_page_label(0, 1, style="/r")  # front matter: i, ii
    writer.set_page_label(2, 3, style="/D", start=1)  # then 1, 2
    writer.encrypt("", "owner secret", algorithm="AES-256")
    path = tmp_path / "labelled.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    pages = read_pdf_pdfium(path)
    assert [p.label for p in pages] == ["i", "ii", "1", "2"]
    assert [p.label for p in pages] == [p.label for p in read_pdf_pypdf(path)]
    assert "412 million" in pages[1].text
