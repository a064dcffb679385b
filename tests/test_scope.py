"""Question understanding: company, fiscal period and form type scope the search."""

from dataclasses import dataclass

from retrieval.scope import (
    DocumentMeta,
    document_meta,
    parse_document_name,
    question_facets,
    resolve_scope,
)


def test_parse_financebench_names() -> None:
    assert parse_document_name("3M_2018_10K") == {
        "company": "3M",
        "form_type": "10K",
        "fiscal_year": 2018,
        "fiscal_period": "FY2018",
    }
    assert parse_document_name("AMCOR_2023Q2_10Q")["fiscal_period"] == "2023Q2"
    eight_k = parse_document_name("AMCOR_2022_8K_dated-2022-07-01")
    assert eight_k["form_type"] == "8K" and eight_k["fiscal_year"] == 2022
    jnj = parse_document_name("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30")
    assert jnj["company"] == "JOHNSON JOHNSON"
    assert parse_document_name("annual report final") == {}


@dataclass
class Row:
    id: str
    name: str
    company: str | None = None


def test_catalogue_columns_win_over_the_name() -> None:
    meta = document_meta(Row("x", "3M_2018_10K", company="3M Company"))
    assert meta.company == "3M Company" and meta.fiscal_year == 2018


LIBRARY = [
    document_meta(Row(name, name))
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
    return resolve_scope(question, LIBRARY).document_ids


def test_company_and_year_pick_one_filing() -> None:
    assert ids("What was 3M's FY2018 capex?") == ["3M_2018_10K"]
    assert ids("Best Buy gross margin in fiscal 2023") == ["BESTBUY_2023_10K"]
    assert ids("Johnson & Johnson cash proceeds from Kenvue") == [
        "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30"
    ]


def test_quarter_and_form_narrow_further() -> None:
    assert ids("AMCOR revenue in Q2 of FY2023") == ["AMCOR_2023Q2_10Q"]
    assert ids("According to Amcor's 2023 10-K, what is its main industry?") == ["AMCOR_2023_10K"]


def test_fallbacks_never_scope_to_nothing() -> None:
    scope = resolve_scope("What is 3M's FY2009 revenue?", LIBRARY)
    assert scope.document_ids == ["3M_2018_10K", "3M_2022_10K"]
    assert "no match" in scope.describe()
    everything = resolve_scope("Which company grew fastest?", LIBRARY)
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
        document_meta(Row("adobe", "ADOBE_2015_10K", company="Adobe Systems Incorporated")),
        document_meta(Row("bby", "BESTBUY_2023_10K", company="Best Buy Co., Inc.")),
        # a cover page that gave a wrong company: the file name still names the filer
        document_meta(Row("ko", "COCACOLA_2017_10K", company="Commission File Number 001-02217")),
        document_meta(Row("jpm", "JPMORGAN_2022Q2_10Q", company="JPMorgan Chase & Co.")),
    ]

    def scoped(question: str) -> list[str]:
        return resolve_scope(question, library).document_ids

    assert scoped("Adobe's FY2015 operating cash flow ratio") == ["adobe"]
    assert scoped("Are Best Buy's gross margins consistent?") == ["bby"]
    assert scoped("What is the FY2017 return on assets for Coca Cola?") == ["ko"]
    assert scoped("In 2022 Q2, which of JPM's segments earned most?") == ["jpm"]


def test_meta_quarter() -> None:
    assert DocumentMeta("a", "a", fiscal_period="2023Q2").quarter == 2
    assert DocumentMeta("a", "a", fiscal_period="FY2023").quarter is None
