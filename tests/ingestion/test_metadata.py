"""Company, form type and fiscal period from the cover page, with the file name as fallback."""

import pytest

from ingestion.cleaning import clean_pages
from ingestion.metadata import extract_metadata
from ingestion.readers import read_raw_pages
from ingestion.records import DocumentMeta, Page
from tests.conftest import financebench_pdf


@pytest.mark.parametrize(
    ("name", "form", "year", "period"),
    [
        ("3M_2018_10K", "10-K", 2018, "FY2018"),
        ("AMCOR_2023Q2_10Q", "10-Q", 2023, "2023Q2"),
        ("AMCOR_2022_8K_dated-2022-07-01", "8-K", 2022, "FY2022"),
        ("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30", "8-K", 2023, "FY2023"),
        ("ULTABEAUTY_2023Q4_EARNINGS", "earnings", 2023, "2023Q4"),
    ],
)
def test_file_name_fallback(name: str, form: str, year: int, period: str) -> None:
    meta = extract_metadata(name, [Page(0, "1", "nothing useful on this cover")])
    assert (meta.form_type, meta.fiscal_year, meta.fiscal_period) == (form, year, period)
    assert meta.company
    if "dated" in name:
        assert meta.doc_date == name[-10:]


def test_cover_text_wins_for_company_form_and_date() -> None:
    cover = (
        "UNITED STATES\nFORM 10-K\nFor the fiscal year ended May 31, 2019\n"
        "NIKE, INC.\n(Exact name of Registrant as specified in its charter)\n"
    )
    meta = extract_metadata("annual-report", [Page(0, "1", cover)])
    assert meta == DocumentMeta("Nike", "10-K", 2019, "FY2019", "2019-05-31")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("3M_2018_10K", DocumentMeta("3M", "10-K", 2018, "FY2018", "2018-12-31")),
        ("AMCOR_2023Q2_10Q", DocumentMeta("Amcor", "10-Q", 2023, "2023Q2", "2022-12-31")),
        (
            "AMCOR_2022_8K_dated-2022-07-01",
            DocumentMeta("Amcor", "8-K", 2022, "FY2022", "2022-07-01"),
        ),
    ],
)
@pytest.mark.slow  # real filings
def test_real_covers(name: str, expected: DocumentMeta) -> None:
    pages = clean_pages(read_raw_pages(financebench_pdf(name))[:3])
    assert extract_metadata(name, pages) == expected


def test_the_cover_company_loses_every_legal_word_scoping_ignores() -> None:
    """One list of legal words for ingestion and scoping: the cover's 'Co., Inc.' both go."""
    cover = (
        "FORM 10-K\nBEST BUY CO., INC.\n(Exact name of registrant as specified in its charter)\n"
    )
    assert extract_metadata("annual-report", [Page(0, "1", cover)]).company == "Best Buy"
