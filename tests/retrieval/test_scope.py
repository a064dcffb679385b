"""Question understanding: company, fiscal period and form type scope the search."""

from dataclasses import replace

from ingestion.metadata import extract_metadata
from ingestion.records import DocumentMeta, normalise_form, parse_file_name
from retrieval.question import question_facets, understand
from retrieval.scope import Scope, library_companies, resolve_scope


def scoped(question: str, library: list[DocumentMeta]) -> Scope:
    """The scope of a question read as `ask` reads it."""
    return resolve_scope(understand(question, library_companies(library)).facets, library)


def test_parse_financebench_names() -> None:
    assert parse_file_name("3M_2018_10K") == DocumentMeta("3M", "10-K", 2018, "FY2018")
    q2 = parse_file_name("AMCOR_2023Q2_10Q")
    assert q2 is not None and q2.fiscal_period == "2023Q2" and q2.quarter == 2
    eight_k = parse_file_name("AMCOR_2022_8K_dated-2022-07-01")
    assert eight_k == DocumentMeta("AMCOR", "8-K", 2022, "FY2022", "2022-07-01")
    jnj = parse_file_name("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30")
    assert jnj is not None and jnj.company == "JOHNSON JOHNSON"
    assert parse_file_name("annual report final") is None


def test_one_spelling_of_a_form() -> None:
    assert {normalise_form(f) for f in ("10K", "10-k", "10-K", " 10-K ")} == {"10-K"}
    assert normalise_form("EARNINGS") == "earnings" and normalise_form("") == ""


def stored(
    id: str,
    name: str,
    company: str = "",
    form_type: str = "",
    fiscal_year: int | None = None,
    fiscal_period: str = "",
) -> DocumentMeta:
    """A document's metadata as ingest decides it (cover page first, the file name filling
    the gaps) and the catalogue stores it: what scoping reads, unparsed."""
    decided = extract_metadata(name, [])
    return replace(
        decided,
        company=company or decided.company,
        form_type=form_type or decided.form_type,
        fiscal_year=fiscal_year if fiscal_year is not None else decided.fiscal_year,
        fiscal_period=fiscal_period or decided.fiscal_period,
        id=id,
        name=name,
    )


def test_cover_page_values_win_over_the_name() -> None:
    meta = stored("x", "3M_2018_10K", company="3M Company")
    assert meta.company == "3M Company" and meta.fiscal_year == 2018


LIBRARY = [
    stored(name, name)
    for name in (
        "3M_2018_10K",
        "3M_2022_10K",
        "AMCOR_2023_10K",
        "AMCOR_2023Q2_10Q",
        "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30",
        "BESTBUY_2023_10K",
    )
]


def ids(question: str) -> list[str]:
    return scoped(question, LIBRARY).document_ids


def test_company_and_year_pick_one_filing() -> None:
    assert ids("What was 3M's FY2018 capex?") == ["3M_2018_10K"]
    assert ids("Best Buy gross margin in fiscal 2023") == ["BESTBUY_2023_10K"]
    assert ids("Johnson & Johnson cash proceeds from Kenvue") == [
        "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30"
    ]


def test_quarter_and_form_narrow_further() -> None:
    assert ids("AMCOR revenue in Q2 of FY2023") == ["AMCOR_2023Q2_10Q"]
    assert ids("According to Amcor's 2023 10-K, what is its main industry?") == ["AMCOR_2023_10K"]


def test_catalogue_form_types_scope_by_form() -> None:
    """Rows as ingestion stores them ("10-K", not the file name's "10K"): the question's
    form must match them, so "Amcor's 2023 10-K" leaves the 10-Q out."""
    library = [
        stored("k", "amcor-annual", "Amcor", "10-K", 2023, "FY2023"),
        stored("q", "amcor-quarter", "Amcor", "10-Q", 2023, "2023Q2"),
    ]
    scope = scoped("According to Amcor's 2023 10-K, what is its main industry?", library)
    assert scope.document_ids == ["k"]
    assert scoped("Amcor's 2023 quarterly report", library).document_ids == ["q"]


def test_fallbacks_never_scope_to_nothing() -> None:
    scope = scoped("What is 3M's FY2009 revenue?", LIBRARY)
    assert scope.document_ids == ["3M_2018_10K", "3M_2022_10K"]
    assert "no match" in scope.describe()
    everything = scoped("Which company grew fastest?", LIBRARY)
    assert not everything.narrowed and len(everything.document_ids) == len(LIBRARY)


def test_short_names_need_word_boundaries() -> None:
    assert question_facets("In 2022 Q2, which of JPM's segments", ["JPMORGAN"]).companies == {
        "JPMORGAN"
    }
    assert question_facets("THE BLOCK", ["BLOCK", "BLOCKBUSTER"]).companies == {"BLOCK"}
    facets = question_facets("Revenue rose 23M dollars", ["3M"])
    assert facets.companies == frozenset()
    assert question_facets("FY22 and FY2021", []).years == frozenset({2021, 2022})


def test_a_filer_is_found_by_its_short_name_or_its_file_name() -> None:
    library = [
        stored("adobe", "ADOBE_2015_10K", company="Adobe Systems Incorporated"),
        stored("bby", "BESTBUY_2023_10K", company="Best Buy Co., Inc."),
        # a cover page that gave a wrong company: the file name still names the filer
        stored("ko", "COCACOLA_2017_10K", company="Commission File Number 001-02217"),
        stored("jpm", "JPMORGAN_2022Q2_10Q", company="JPMorgan Chase & Co."),
    ]

    def ids(question: str) -> list[str]:
        return scoped(question, library).document_ids

    assert ids("Adobe's FY2015 operating cash flow ratio") == ["adobe"]
    assert ids("Are Best Buy's gross margins consistent?") == ["bby"]
    assert ids("What is the FY2017 return on assets for Coca Cola?") == ["ko"]
    assert ids("In 2022 Q2, which of JPM's segments earned most?") == ["jpm"]


def test_meta_quarter() -> None:
    assert DocumentMeta(fiscal_period="2023Q2").quarter == 2
    assert DocumentMeta(fiscal_period="FY2023").quarter is None


def test_a_quarter_named_in_words_or_as_an_ordinal() -> None:
    for question in ("Sales in the 4th quarter of 2022", "Sales in the fourth quarter of 2022"):
        assert question_facets(question, []).quarters == frozenset({4})
    assert question_facets("Sales in Q2 2023", []).quarters == frozenset({2})
