"""Key figures read from real statement pages (dev filings through the product's reader and
cleaner), and stored, rebuilt and removed through the real `archivist` command."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from app.services import indexing
from app.settings import load_settings
from app.workspace import Workspace
from ingestion.cleaning import clean_pages
from ingestion.readers import read_raw_pages
from ingestion.records import DocumentMeta, parse_file_name
from retrieval.key_figures.columns import columns
from retrieval.key_figures.extract import extract_figures
from retrieval.key_figures.records import KeyFigure
from retrieval.statements import Statement, statement_pages
from retrieval.storage.figure_store import FigureStore
from tests.cli_runner import archivist
from tests.conftest import FINANCEBENCH, make_pdf


@cache
def filing(name: str) -> dict[int, str]:
    pages = clean_pages(read_raw_pages(FINANCEBENCH / "pdfs" / f"{name}.pdf"))
    return {p.index: p.text for p in pages}


def statement_page(name: str, index: int) -> str:
    return filing(name)[index]


def figures(name: str, *indexes: int, meta: DocumentMeta | None = None) -> list[KeyFigure]:
    """The figures of the named pages alone (statement search runs over just those)."""
    found = meta or parse_file_name(name)
    assert found is not None
    return extract_figures(name, {i: statement_page(name, i) for i in indexes}, found)


def one(found: list[KeyFigure], item: str, period: str) -> KeyFigure:
    [figure] = [f for f in found if f.item == item and f.period == period]
    return figure


def test_capex_on_3m_2018_cash_flow_is_negative_in_millions_with_its_page_and_label() -> None:
    found = figures("3M_2018_10K", 55, 57, 59)
    capex = one(found, "capex", "FY2018")
    assert (capex.value, capex.scale, capex.unit, capex.page) == (-1577.0, 1e6, "USD", 59)
    assert capex.label == "Purchases of property, plant and equipment (PP&E)"
    assert capex.amount == -1_577_000_000
    assert [f.value for f in found if f.item == "capex"] == [-1577.0, -1373.0, -1420.0]
    assert one(found, "ppe_net", "FY2018").value == 8738.0
    # a dash is no value: "Other — net" keeps its label, its numbers are read
    assert one(found, "revenue", "FY2016").value == 30109.0
    eps = one(found, "diluted_eps", "FY2018")
    assert (eps.value, eps.scale, eps.unit) == (8.89, 1.0, "USD/share")
    shares = [f for f in found if f.unit == "shares" and f.period == "FY2018"]
    assert [(f.label[-7:], f.value, f.scale) for f in shares] == [
        ("— basic", 588.5, 1e6),
        ("diluted", 602.0, 1e6),
    ]


def test_a_label_whose_numbers_land_on_the_next_line_is_joined() -> None:
    found = figures("3M_2018_10K", 59)
    [row] = [f for f in found if f.period == "FY2018" and f.value == 846.0]
    assert row.label == "Proceeds from sale of businesses, net of cash sold"


def test_a_10q_has_quarter_and_year_to_date_columns_and_a_prior_year_end_balance() -> None:
    found = figures("AMCOR_2023Q2_10Q", 4, 6, 7)  # fiscal year ends June 30
    revenue = {f.period: f.value for f in found if f.item == "revenue"}
    assert revenue == {"2023Q2": 3642.0, "2022Q2": 3507.0, "2023 6M": 7354.0, "2022 6M": 6927.0}
    cash = {f.period: f.period_end for f in found if f.item == "cash"}
    assert cash == {"2023Q2": "2022-12-31", "FY2022": "2022-06-30"}
    assert one(found, "cost_of_revenue", "2023Q2").value == -2980.0


def test_a_table_in_thousands_and_a_52_53_week_year() -> None:
    found = figures("NETFLIX_2017_10K", 44)
    liabilities = one(found, "total_current_liabilities", "FY2017")
    assert (liabilities.value, liabilities.scale) == (5466312.0, 1e3)
    # Best Buy's fiscal 2023 ends January 28, 2023 ("$ and shares in millions")
    best_buy = figures("BESTBUY_2023_10K", 39)
    revenue = one(best_buy, "revenue", "FY2023")
    assert (revenue.value, revenue.period_end) == (46298.0, "2023-01-28")
    assert one(best_buy, "revenue", "FY2021").value == 47262.0


def test_an_earnings_release_dated_after_its_year_end_has_pairs_of_dates_and_years() -> None:
    found = figures("ULTABEAUTY_2023Q4_EARNINGS", 5)  # two tables on one page
    revenue = {f.period: (f.value, f.period_end) for f in found if f.item == "revenue"}
    assert revenue == {
        "2023Q4": (3226773.0, "2023-01-28"),
        "2022Q4": (2729388.0, "2022-01-29"),
        "FY2023": (10208580.0, "2023-01-28"),
        "FY2022": (8630889.0, "2022-01-29"),
    }


def test_an_amount_inside_a_label_is_not_a_row() -> None:
    found = figures("CORNING_2021_10K", 66)  # "net of doubtful accounts - $42 and $46 2,004 2,133"
    receivable = [f for f in found if f.label.startswith("Trade accounts receivable")]
    assert [f.value for f in receivable] == [2004.0, 2133.0]
    assert one(found, "ppe_net", "FY2021").value == 15804.0


_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "pi"]  # fmt: skip
STATEMENTS = [
    "Northwind Traders Inc.\nConsolidated Statements of Income\n"
    "(In millions, except per share data)\n"
    "Years ended December 31 2023 2022 2021\n"
    + "\n".join(
        f"Operating line {w} {n},1{n}0 {n},0{n}5 ({n}{n}0)" for n, w in enumerate(_WORDS, 1)
    )
    + "\nNet sales $ 9,876 $ 8,765 $ 7,654\nCost of sales (4,321) (3,210) (2,109)\n"
    "Gross profit 5,555 5,555 5,545\nDiluted earnings per share $ 1.23 $ 1.11 $ 0.99",
    "Northwind Traders Inc.\nConsolidated Statements of Cash Flows\n(In millions)\n"
    "Years ended December 31 2023 2022 2021\n"
    + "\n".join(f"Investing line {w} {n}1{n} {n}2{n} ({n}3{n})" for n, w in enumerate(_WORDS, 1))
    + "\nPurchases of property, plant and equipment (1,577) (1,373) -\n"
    "Net cash provided by operating activities 2,001 1,901 1,801",
]


def test_ingest_stores_the_figures_reindex_rebuilds_them_docs_rm_removes_them(
    archivist_home: Path, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", ["Northwind annual report.", *STATEMENTS])
    assert archivist("ingest", str(pdf), "--json", home=archivist_home).returncode == 0
    workspace = Workspace(load_settings())
    store = FigureStore(workspace.catalogue)
    capex = store.company("Northwind", "capex")
    assert [(f.period, f.value, f.page) for f in capex] == [
        ("FY2023", -1577.0, 2),
        ("FY2022", -1373.0, 2),
    ]
    assert {f.period: f.value for f in store.company("Northwind", "revenue")}["FY2021"] == 7654.0
    [doc_id] = {f.document_id for f in capex}

    store.replace(doc_id, [])  # lost, as after an older release's ingest
    assert archivist("reindex", "--json", home=archivist_home).returncode == 0
    assert len(store.company("Northwind", "capex")) == 2

    assert archivist("docs", "rm", doc_id[:12], "--json", home=archivist_home).returncode == 0
    assert store.document(doc_id) == []


def test_an_extraction_failure_never_fails_an_ingest(
    archivist_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> list[KeyFigure]:
        raise ValueError("a table nobody foresaw")

    monkeypatch.setattr(indexing, "extract_figures", broken)
    pdf = make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", STATEMENTS)
    result = archivist("ingest", str(pdf), "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ingested"][0]["name"] == "NORTHWIND_2023_10K"
    assert FigureStore(Workspace(load_settings()).catalogue).companies() == {}


def test_footnote_marks_and_a_label_wrapped_in_capitals() -> None:
    found = figures("COCACOLA_2017_10K", 73)  # "BASIC NET INCOME PER SHARE $ 0.29 3 $ 1.51"
    basic = [f for f in found if f.label == "BASIC NET INCOME PER SHARE"]
    assert [f.value for f in basic] == [0.29, 1.51, 1.69]
    assert one(found, "diluted_eps", "FY2017").label == "DILUTED NET INCOME PER SHARE"
    owners = one(found, "net_income_attributable", "FY2017")
    assert (owners.label, owners.value) == (
        "NET INCOME ATTRIBUTABLE TO SHAREOWNERS OF THE COCA-COLA COMPANY",
        1248.0,
    )


def test_several_rows_on_one_line_each_keep_their_label() -> None:
    found = figures("GENERALMILLS_2022_10K", 46)  # "Current liabilities: Accounts payable $ ..."
    assert one(found, "accounts_payable", "FY2022").label == "Accounts payable"
    assert one(found, "cash", "FY2021").value == 1505.2
    assert one(found, "total_assets", "FY2022").value == 31090.1


def test_labels_printed_apart_from_their_numbers_are_not_guessed() -> None:
    rows = "\n".join(f"Asset line {w} {n},{n}00 {n},0{n}0" for n, w in enumerate(_WORDS, 1))
    page = (
        "Northwind Traders Inc.\nConsolidated Balance Sheets\n(In thousands)\n"
        f"December 31, 2023 2022\n{rows}\nTotal assets 9,999 8,888\n"
        "Accounts payable\nAccrued liabilities\nTotal current liabilities\n"
        "1,111 2,222\n3,333 4,444\n5,555 6,666\n"
    )
    found = extract_figures("doc", {0: page}, DocumentMeta(fiscal_year=2023, form_type="10-K"))
    assert one(found, "total_assets", "FY2023").amount == 9_999_000
    assert {f.value for f in found}.isdisjoint({1111.0, 2222.0, 3333.0, 5555.0})


def test_per_share_rows_under_a_basic_or_diluted_subheading() -> None:
    found = figures("LOCKHEEDMARTIN_2020_10K", 66)  # "Earnings (loss) per common share" / "Basic"
    continuing = [f for f in found if f.label == "Continuing operations" and f.period == "FY2018"]
    assert [(f.value, f.unit, f.scale) for f in continuing] == [
        (17.74, "USD/share", 1.0),
        (17.59, "USD/share", 1.0),
    ]
    eps = one(found, "diluted_eps", "FY2020")
    assert (eps.label, eps.value) == ("Diluted earnings per common share", 24.3)


def test_years_in_a_wrapped_label_are_not_a_header() -> None:
    found = figures("AMERICANWATERWORKS_2020_10K", 85)  # "... of $24, $30 and $22 in 2020, 2019"
    [advances] = [f for f in found if f.value == 21.0 and f.period == "FY2018"]
    assert advances.label.startswith("Advances and contributions in aid of construction")
    assert advances.label.endswith("and 2018, respectively")


@pytest.mark.parametrize(
    ("head", "meta", "periods"),
    [
        (  # PepsiCo's 12-week quarters; the metadata names the quarter
            "12 Weeks Ended 24 Weeks Ended June 17, 2023 June 11, 2022 June 17, 2023 June 11, 2022",
            DocumentMeta(form_type="10-Q", fiscal_year=2023, fiscal_period="2023Q2"),
            ["2023Q2", "2022Q2", "2023 6M", "2022 6M"],
        ),
        (
            "Quarter Ended Year-to-date September 30, 2023 2022 2023 2022",
            DocumentMeta(form_type="10-Q", fiscal_year=2023, fiscal_period="2023Q3"),
            ["2023Q3", "2022Q3", "2023 9M", "2022 9M"],
        ),
        (  # an 8-K release of an unknown quarter: a calendar fiscal year is assumed
            "Three Months Ended June 30, 2023 2022",
            DocumentMeta(form_type="8-K", fiscal_year=2023),
            ["2023Q2", "2022Q2"],
        ),
        (  # a year's column says where the fiscal year ends
            "Three Months Ended June 30, Twelve Months Ended June 30, 2022 2023 2022 2023",
            DocumentMeta(form_type="8-K", fiscal_year=2023),
            ["2022Q4", "2023Q4", "FY2022", "FY2023"],
        ),
    ],
)
def test_column_periods_from_headers(head: str, meta: DocumentMeta, periods: list[str]) -> None:
    found = columns(head, len(periods), False, meta)
    assert found is not None and [c.period for c in found] == periods


def test_a_column_header_reads_as_printed() -> None:
    meta = DocumentMeta(form_type="10-Q", fiscal_year=2023, fiscal_period="2023Q2")
    found = columns("Six Months Ended December 31, 2022 2021", 2, False, meta)
    assert found is not None
    assert [c.header for c in found] == [
        "Six Months Ended December 31, 2022",
        "Six Months Ended December 31, 2021",
    ]


def test_figures_command_on_real_3m_statement_pages(archivist_home: Path, tmp_path: Path) -> None:
    """The issue's check, end to end: 3M's 2018 statement pages, cut from the dev filing as
    real PDF pages, ingested, and `archivist figures 3M --item capex --json` gives each year's
    capex with its page (the cash-flow statement, the cut's fifth page)."""
    writer = PdfWriter()
    for page in PdfReader(FINANCEBENCH / "pdfs" / "3M_2018_10K.pdf").pages[55:60]:
        writer.add_page(page)
    pdf = tmp_path / "3M_2018_10K.pdf"
    with pdf.open("wb") as out:
        writer.write(out)
    assert archivist("ingest", str(pdf), "--json", home=archivist_home).returncode == 0

    result = archivist("figures", "3M", "--item", "capex", "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    [capex] = json.loads(result.stdout)["items"]
    found = [(v["period"], v["value"], v["page"], v["document"]) for v in capex["values"]]
    assert found == [
        ("FY2016", -1420.0, 5, "3M_2018_10K"),
        ("FY2017", -1373.0, 5, "3M_2018_10K"),
        ("FY2018", -1577.0, 5, "3M_2018_10K"),
    ]
    assert capex["values"][2]["label"] == "Purchases of property, plant and equipment (PP&E)"


def test_a_release_page_holding_its_cash_flow_statement_and_its_balance_sheet() -> None:
    """AMCOR's fiscal 2023 release prints its balance sheet under its cash flow statement on
    one page, and a sales-growth table on the next: each statement is read from its own
    part of the page, and neither runs on into the next page."""
    pages = filing("AMCOR_2023Q4_EARNINGS")
    found = statement_pages(pages)
    assert found[Statement.CASH_FLOW] == [8] and found[Statement.BALANCE] == [8]
    assert found[Statement.INCOME] == [7]
    read = figures("AMCOR_2023Q4_EARNINGS", 7, 8, 9)
    assert one(read, "capex", "FY2023").value == -526.0
    assert (one(read, "total_assets", "FY2023").value, one(read, "cash", "FY2022").value) == (
        17003.0,
        775.0,
    )
    equity = one(read, "total_equity", "FY2023")  # not "Total liabilities and ... equity"
    assert (equity.label, equity.value) == ("Shareholders' equity", 4090.0)
    cash_flow_labels = {f.label for f in read if f.statement == Statement.CASH_FLOW}
    assert "Total assets" not in cash_flow_labels  # the balance sheet's rows are its own
    assert not any("Net sales fiscal year" in f.label for f in read)  # page 9 is no statement
    assert len({(f.page, f.row, f.column) for f in read}) == len(read)  # stored as distinct rows


def test_recast_statements_with_percent_to_sales_pairs_under_one_year() -> None:
    """J&J's 8-K recasts its statements: "2023" above "Q1 Q2 SIX MONTHS", each period an
    amount and its percent to sales (the percents mostly without "%")."""
    read = figures("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30", 11, 12)
    revenue = {f.period: f.value for f in read if f.item == "revenue"}
    assert revenue == {
        "2023Q1": 20894.0,
        "2023Q2": 21519.0,
        "2023 6M": 42413.0,
        "2022Q1": 19840.0,
        "2022Q2": 20215.0,
        "2022 6M": 40055.0,
    }
    cost = one(read, "cost_of_revenue", "2023Q2")
    assert (cost.value, cost.scale, cost.header) == (6462.0, 1e6, "Q2 2023")
    assert one(read, "diluted_eps", "2023Q1").value == -0.19  # a loss, in dollars
    assert not any(f.value in (32.0, 30.0, 31.0) for f in read if f.item == "cost_of_revenue")
    # its three recast pages, each titled again, are one statement's pages
    pages = statement_pages(filing("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30"))
    assert pages[Statement.INCOME] == [11, 12, 13]
    later = figures("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30", 13)
    assert one(later, "revenue", "FY2022").value == 79990.0


def test_amount_of_sales_in_prose_leaves_four_columns_four() -> None:
    head = (
        "Consolidated Statements of Income\n(in millions) The amount of sales grew.\n"
        "Years ended December 31, 2023 2022 2021 2020\n"
    )
    rows = "Net sales 400 300 200 100\n" + "".join(
        f"Line item {word} {n}1 {n}2 {n}3 {n}4\n" for n, word in enumerate("abcdefghijk", 1)
    )
    meta = DocumentMeta("ACME", "10-K", 2023, "FY2023")
    found = extract_figures("d", {0: head + rows}, meta)
    revenue = {f.period: f.value for f in found if f.item == "revenue"}
    assert revenue == {"FY2023": 400.0, "FY2022": 300.0, "FY2021": 200.0, "FY2020": 100.0}
