"""The second opinion's parts: what a question asks for (item, metric, period), the table's
value found for it, and the answer's figure compared by the figure check's unit rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingestion.records import DocumentMeta
from retrieval.calculations import CalcStatus, check_calculation
from retrieval.catalogue import Catalogue
from retrieval.figure_units import read_page
from retrieval.key_figures.items import ITEMS
from retrieval.key_figures.metrics import printed
from retrieval.key_figures.question import Asked, periods_in, read_question
from retrieval.key_figures.records import KeyFigure
from retrieval.key_figures.second_opinion import Opinion, second_opinion
from retrieval.storage.figure_store import FigureStore
from tests.retrieval.test_catalogue import catalogue, document  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("question", "asked", "periods"),
    [
        ("What is the FY2018 capital expenditure amount (in USD millions) for 3M?", "capex",
         ("FY2018",)),
        ("What were 3M's purchases of PP&E in fiscal 2019?", "capex", ("FY2019",)),
        ("What was Best Buy's COGS for FY22?", "cost_of_revenue", ("FY2022",)),
        ("What were net sales in 2022?", "revenue", ("FY2022",)),
        ("Total current liabilities at year end FY2017?", "total_current_liabilities",
         ("FY2017",)),
        ("What was PP&E net in Q2 2023?", "ppe_net", ("2023Q2",)),
        ("How much did it pay in dividends paid in FY2020?", "dividends_paid", ("FY2020",)),
        ("Diluted EPS for the second quarter of 2023?", "diluted_eps", ("2023Q2",)),
        ("What is Amcor's gross margin?", "gross_margin", ()),
        ("What is capex as a % of revenue for FY2018?", "capex_to_revenue", ("FY2018",)),
        ("What is the dividend payout ratio in FY2021?", "dividend_payout", ("FY2021",)),
        ("What was the current ratio at the end of fiscal 2020?", "current_ratio", ("FY2020",)),
        ("Liabilities-to-equity in FY2020?", "liabilities_to_equity", ("FY2020",)),
        ("Working capital in FY2020?", "working_capital", ("FY2020",)),
        ("What is the FY2016 working capital ratio? Define working capital ratio as total "
         "current assets divided by total current liabilities.", "current_ratio", ("FY2016",)),
        ("What is the year end FY2018 net PPNE for 3M? Answer in USD billions.", "ppe_net",
         ("FY2018",)),
        ("How much did it pay out in cash dividends for FY2020?", "dividends_paid", ("FY2020",)),
        ("What is 3M's FY2018 free cash flow (operating cash flow minus capex)?",
         "free_cash_flow", ("FY2018",)),
        ("What was 3M's inventory turnover ratio in FY2018?", "inventory_turnover", ("FY2018",)),
        ("What is the FY2015 operating cash flow ratio? Operating cash flow ratio is defined as: "
         "cash from operations / total current liabilities.", "operating_cash_flow_ratio",
         ("FY2015",)),
        ("What is the FY2022 retention ratio (using total cash dividends paid and net income "
         "attributable to shareholders)?", "retention_ratio", ("FY2022",)),
        ("What is the FY2017 return on assets (ROA)? ROA is defined as: FY2017 net income / "
         "(average total assets between FY2016 and FY2017).", "return_on_assets",
         ("FY2017", "FY2016")),
        ("Net sales for the six months ended June 30, 2023?", "revenue", ("2023 6M",)),
    ],
)  # fmt: skip
def test_a_question_names_its_item_and_period(
    question: str, asked: str, periods: tuple[str, ...]
) -> None:
    read = read_question(question)
    assert [a.name for a in read.asked] == [asked]
    assert read.periods == periods


def test_a_metric_that_changed_is_that_metric_not_a_growth() -> None:
    read = read_question("How did the capex to revenue ratio change from FY2017 to FY2018?")
    assert read.asked == (Asked("capex_to_revenue"),) and read.periods == ("FY2017", "FY2018")
    assert read_question("What is the 3-year CAGR?").asked == (Asked("cagr", "revenue", 3),)


def test_growth_and_cagr_name_their_item_and_span() -> None:
    growth = read_question("What was revenue growth from FY2017 to FY2018?")
    assert growth.asked == (Asked("growth", "revenue"),)
    assert growth.periods == ("FY2017", "FY2018")
    cagr = read_question("What is the 2-year CAGR of net sales ending FY2018?")
    assert cagr.asked == (Asked("cagr", "revenue", 2),) and cagr.periods == ("FY2018",)


@pytest.mark.parametrize(
    "question",
    [
        "Who is the CEO of 3M and where is it based?",
        "What is 3M's revenue recognition policy?",
        "How much deferred revenue did 3M report in FY2018?",
        "What was 3M's days sales outstanding in FY2018?",
        "What is 3M's FY2018 EBITDA (operating income plus D&A)?",
        "What is the FY2019 - FY2021 3 year average operating margin?",
        "Does Adobe have an improving free cashflow conversion as of FY2022?",
        "What was the growth in sales and marketing expense in FY2022?",
        "How large is the sales force?",
        "What were selling, general and administrative costs?",
        "In 2022 Q2, which of JPM's business segments had the highest net income?",
        "What drove the increase in Ulta Beauty's merchandise inventories at end of FY2023?",
        "Did wages expense as a percent of net sales increase in FY2023?",
        "How much was the real change in sales in FY2023 if we exclude the impact of FX?",
        "Were there any events that substantially increased net income in 2019?",
    ],
)
def test_a_question_about_no_line_item_asks_nothing(question: str) -> None:
    assert not read_question(question), read_question(question)


def test_periods_are_not_amounts() -> None:
    assert periods_in("Is 3M's FY2018 10-K page 12 about $2019 of anything?") == ("FY2018",)


# --- the table's value and the answer's ------------------------------------------------

META = DocumentMeta(company="3M", form_type="10-K", fiscal_year=2018, fiscal_period="FY2018",
                    id="d18", name="3M_2018_10K")  # fmt: skip
OLDER = replace(META, fiscal_year=2017, fiscal_period="FY2017", id="d17", name="3M_2017_10K")


def figure(item: str, period: str, value: float, page: int = 59, doc: str = "d18") -> KeyFigure:
    statement = "cash flow statement" if item in ("capex", "dividends_paid") else "income statement"
    label = {"capex": "Purchases of property, plant and equipment (PP&E)"}.get(item, item)
    row, column = list(ITEMS).index(item) if item in ITEMS else 99, 2030 - int(period[2:6])
    return KeyFigure(doc, statement, page, row, column, label, item, period, "", period[2:], value,
                     1.0 if item == "diluted_eps" else 1e6,
                     "USD/share" if item == "diluted_eps" else "USD")  # fmt: skip


TABLE = [
    figure("capex", "FY2018", -1577.0),
    figure("capex", "FY2017", -1373.0),
    figure("revenue", "FY2018", 32765.0, page=55),
    figure("revenue", "FY2017", 31657.0, page=55),
    figure("gross_profit", "FY2018", 16083.0, page=55),
    figure("diluted_eps", "FY2018", 8.89, page=55),
    figure("revenue", "FY2016", 30109.0, page=55, doc="d17"),
    figure("net_income_attributable", "FY2018", 5349.0, page=55),
    figure("total_assets", "FY2018", 36500.0, page=57),
    figure("total_assets", "FY2017", 37987.0, page=57),
    figure("operating_cash_flow", "FY2018", 6439.0),
    figure("dividends_paid", "FY2018", -3193.0),
]


def opinions(question: str, answer: str, table: list[KeyFigure] = TABLE) -> list[Opinion]:
    reads: list[tuple[list[str], set[str]]] = []

    def read(ids: list[str], items: set[str]) -> list[KeyFigure]:
        reads.append((ids, items))
        return [f for f in table if f.document_id in ids and f.item in items]

    out = second_opinion(question, answer, [META], [META, OLDER], read)
    assert len(reads) <= 1  # one read per question
    return out


@pytest.mark.parametrize(
    "answer",
    [
        "3M spent $1,577 million on capex [S1].",
        "Capital expenditures were $1.577 billion [S1].",
        "Capex: $1.58 billion.",
        "Purchases of PP&E were (1,577) [S2].",
        "1,577 (USD millions).",
        "Capital expenditure was $1577.00 million.",
    ],
)
def test_the_table_value_agrees_whatever_the_unit_scale_or_sign(answer: str) -> None:
    [opinion] = opinions("What was 3M's FY2018 capex?", answer)
    assert opinion.verdict == "agrees", answer
    assert (opinion.item, opinion.period, opinion.value, opinion.page) == (
        "capex", "FY2018", -1577.0, 59)  # fmt: skip
    assert opinion.amount == -1577e6 and opinion.document == "3M_2018_10K"
    data = opinion.as_dict()
    assert data["table_value"] == "(1,577) USD millions" and data["page"] == 60
    assert data["label"] == "Purchases of property, plant and equipment (PP&E)"


def test_a_bare_amount_in_the_scale_the_question_asks() -> None:
    question = "What was 3M's FY2018 capex? Answer in USD billions."
    assert read_question(question).scale == 1e9
    [opinion] = opinions(question, "$1.58 [S1]")
    assert opinion.verdict == "agrees"
    [opinion] = opinions("What was 3M's FY2018 capex (in USD millions)?", "$1577.00")
    assert opinion.verdict == "agrees"
    [opinion] = opinions("What was 3M's FY2018 capex?", "$1.58 [S1]")  # no scale asked
    assert opinion.verdict == "differs"


@pytest.mark.parametrize(
    ("answer", "stated"),
    [
        ("3M spent $1,373 million on capex in FY2018 [S1].", "$1,373 million"),
        ("Capex was $15.77 billion.", "$15.77 billion"),  # the wrong scale
        ("Revenue was $32,765 million; capex was $1.2 billion.", "$1.2 billion"),
    ],
)
def test_a_wrong_figure_differs(answer: str, stated: str) -> None:
    [opinion] = opinions("What was 3M's FY2018 capex?", answer)
    assert opinion.verdict == "differs" and opinion.stated == stated
    assert "MISMATCH" in opinion.describe() and stated in opinion.describe()


def test_a_percentage_or_no_figure_is_not_stated() -> None:
    for answer in (
        "Capex rose 15% [S1].",
        "The filing does not say.",
        "",
        "Capex over the 12 months across 3 segments is not broken out [S1].",
    ):
        [opinion] = opinions("What was 3M's FY2018 capex?", answer)
        assert opinion.verdict == "not_stated" and not opinion.stated, answer


def test_each_item_takes_its_own_figure() -> None:
    found = opinions(
        "What were revenue and diluted EPS in FY2018?",
        "Revenue was $32.8 billion and diluted EPS $9.12 [S1].",
    )
    assert [(o.item, o.verdict, o.stated) for o in found] == [
        ("revenue", "agrees", "$32.8 billion"),
        ("diluted_eps", "differs", "$9.12"),
    ]


def test_each_company_in_scope_gets_its_own_line() -> None:
    apple = DocumentMeta(company="Apple Inc.", form_type="10-K", fiscal_year=2018,
                         fiscal_period="FY2018", id="a18", name="APPLE_2018_10K")  # fmt: skip
    table = [*TABLE, figure("revenue", "FY2018", 265595.0, page=39, doc="a18")]

    def read(ids: list[str], items: set[str]) -> list[KeyFigure]:
        return [f for f in table if f.document_id in ids and f.item in items]

    found = second_opinion(
        "Compare 3M's and Apple's revenue in FY2018.",
        "3M had $32.8 billion [S1]; Apple $265.6 billion [S2].",
        [META, apple],
        [META, OLDER, apple],
        read,
    )
    assert [(o.company, o.value, o.verdict, o.stated) for o in found] == [
        ("3M", 32765.0, "agrees", "$32.8 billion"),
        ("Apple Inc.", 265595.0, "agrees", "$265.6 billion"),
    ]


def test_the_documents_own_period_when_none_is_named() -> None:
    [opinion] = opinions("How much did 3M spend on capital expenditures?", "$1,577 million")
    assert opinion.period == "FY2018" and opinion.verdict == "agrees"


def test_nothing_the_table_holds_gives_no_opinion() -> None:
    assert opinions("What were 3M's inventories in FY2018?", "$4,366 million") == []
    assert opinions("What was 3M's FY2021 capex?", "$1,577 million") == []
    assert opinions("Who is 3M's CEO?", "Mike Roman") == []


def test_a_computed_metric_shows_its_calculation_and_it_reads_back() -> None:
    [margin] = opinions("What was 3M's FY2018 gross margin?", "Gross margin was 49.1% [S1].")
    assert margin.verdict == "agrees" and margin.unit == "%"
    assert margin.calculation == (
        "Calculation: FY2018 gross profit 16,083 / FY2018 revenue 32,765 = 49.1%"
    )
    # The line is one the calculation check reads: right, operands on the statement page.
    page = read_page("(in millions) 2018 2017\nNet sales 32,765 31,657\nGross profit 16,083")
    body = margin.calculation.removeprefix("Calculation:")
    assert check_calculation(body, {"p.56": page}).status == CalcStatus.COMPUTED
    [wrong] = opinions("What was 3M's FY2018 gross margin?", "Gross margin was 52%.")
    assert wrong.verdict == "differs" and wrong.stated == "52%"


def test_growth_capex_share_and_cagr() -> None:
    [growth] = opinions("What was 3M's revenue growth in FY2018?", "Revenue grew 3.5%.")
    assert growth.verdict == "agrees" and growth.period == "FY2017-FY2018"
    assert growth.calculation == (
        "Calculation: (FY2018 revenue 32,765 - FY2017 revenue 31,657) / FY2017 revenue 31,657"
        " = 3.5%"
    )
    [change] = opinions("What was the change in 3M's revenue in FY2018?", "Up $1,108 million.")
    assert change.verdict == "agrees"  # the change as an amount agrees too
    [share] = opinions("What was 3M's FY2018 capex as a % of revenue?", "About 4.8%.")
    assert share.verdict == "agrees"
    assert share.calculation == "Calculation: FY2018 capex 1,577 / FY2018 revenue 32,765 = 4.8%"
    # FY2016 is printed only in the older filing: the company's other filings serve it.
    [cagr] = opinions("What is 3M's revenue CAGR from FY2016 to FY2018?", "It was 9%.")
    assert cagr.verdict == "differs" and cagr.value == pytest.approx(4.317, abs=0.001)
    assert cagr.document == "3M_2018_10K"
    assert [(o["period"], o["document"], o["page"]) for o in cagr.as_dict()["operands"]] == [
        ("FY2016", "3M_2017_10K", 56), ("FY2018", "3M_2018_10K", 56)
    ]  # fmt: skip


def test_averaged_subtracted_and_one_less_metrics() -> None:
    [roa] = opinions(
        "What is 3M's FY2018 return on assets (ROA)? ROA is defined as: FY2018 net income / "
        "(average total assets between FY2017 and FY2018).",
        "ROA was 0.14 [S1].",  # a decimal for a percentage
    )
    assert roa.verdict == "agrees" and roa.period == "FY2018" and roa.page == 55
    assert roa.calculation == (
        "Calculation: FY2018 net income attributable 5,349 / ((FY2018 total assets 36,500 + "
        "FY2017 total assets 37,987) / 2) = 14.4%"
    )
    [fcf] = opinions("What was 3M's FY2018 free cash flow?", "FCF was $4.9 billion.")
    assert fcf.verdict == "agrees" and fcf.shown_value == "4,862 USD millions"
    assert fcf.calculation == (
        "Calculation: FY2018 operating cash flow 6,439 - FY2018 capex 1,577 = 4,862"
    )
    burning = [*TABLE, figure("operating_cash_flow", "FY2017", 1000.0, page=58)]
    [negative] = opinions("What was 3M's FY2017 free cash flow?", "-$373 million", burning)
    assert negative.shown_value == "-373 USD millions" and negative.verdict == "agrees"
    [kept] = opinions("What was 3M's FY2018 retention ratio?", "About 40% was retained.")
    assert kept.verdict == "agrees" and kept.shown_value == "0.40"  # a percentage for a ratio
    assert kept.calculation.startswith("Calculation: 1 - FY2018 dividends paid 3,193 / ")
    for opinion in (roa, fcf, kept):  # each calculation reads back as computed
        body = opinion.calculation.removeprefix("Calculation:")
        assert check_calculation(body, {"table": read_page(TABLE_PAGE)}).verified, body


TABLE_PAGE = "\n".join(f"{f.item} {printed(abs(f.value))}" for f in TABLE if f.document_id == "d18")


def test_an_opinion_survives_the_history() -> None:
    [opinion] = opinions("What was 3M's FY2018 gross margin?", "49.1%")
    again = Opinion.from_dict(opinion.as_dict())
    assert again == opinion and again.describe() == opinion.describe()


def test_the_store_reads_the_asked_items_of_the_documents_at_once(
    catalogue: Catalogue,  # noqa: F811
) -> None:
    first = catalogue.begin_document(document())
    store = FigureStore(catalogue)
    store.replace(first, [replace(f, document_id=first) for f in TABLE if f.document_id == "d18"])
    found = store.of_documents([first, "elsewhere"], {"capex", "revenue"})
    assert sorted((f.item, f.period) for f in found) == [
        ("capex", "FY2017"), ("capex", "FY2018"), ("revenue", "FY2017"), ("revenue", "FY2018")
    ]  # fmt: skip
    assert store.of_documents([first], set()) == [] and store.of_documents([], {"capex"}) == []
