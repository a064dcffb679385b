"""The primary financial statements: found in a filing, asked for by a question, ranked first."""

import json
from pathlib import Path

import pytest

from app.services.ingest import ingest
from app.workspace import Workspace
from ingestion.cleaning import clean_pages
from ingestion.readers import read_raw_pages
from retrieval.question import question_statements, understand
from retrieval.search import Retriever, SearchConfig
from retrieval.statements import (
    Statement,
    lower_titles,
    page_statement,
    statement_pages,
    statement_text,
)
from tests.conftest import FINANCEBENCH, financebench_pdf, make_pdf


def statement(title: str, items: list[str]) -> str:
    """A statement page: company, title, then line items with three years of figures."""
    rows = [
        f"{item} {1000 + 37 * i:,} {900 + 31 * i:,} ({800 + 29 * i:,})"
        for i, item in enumerate(items)
    ]
    return "\n".join(["Northwind Traders, Inc.", title, "(In millions)", *rows])


LINES = [f"Line item {n}" for n in range(16)]
CASH_FLOWS = statement("Consolidated Statements of Cash Flows", ["Purchases of property", *LINES])
INCOME = statement("Consolidated Statements of Income", ["Net sales", "Cost of sales", *LINES])
BALANCE = statement("Consolidated Balance Sheets", ["Total assets", *LINES])
LIABILITIES = statement("Consolidated Balance Sheets (continued)", ["Total liabilities", *LINES])


def test_a_statement_page_is_known_by_its_title_even_when_pypdf_splits_it() -> None:
    assert page_statement(CASH_FLOWS) is Statement.CASH_FLOW
    split = CASH_FLOWS.replace("Cash Flows", "Cash Flow\n\ns")
    assert page_statement(split) is Statement.CASH_FLOW
    assert page_statement(BALANCE.replace("Sheets", "Shee\nts")) is Statement.BALANCE
    assert page_statement(INCOME.replace("Statements of Income", "INCOME STATEMENTS")) is (
        Statement.INCOME
    )


def test_contents_prose_and_discussion_pages_are_not_statements() -> None:
    contents = "\n".join(
        [
            "Index to Financial Statements",
            "Consolidated Statements of Income 55",
            "Consolidated Balance Sheets 57",
            "Consolidated Statements of Cash Flows 59",
            *[f"Note {n} {2018 + n % 3} {40 + n}" for n in range(20)],
        ]
    )
    assert page_statement(contents) is None
    prose = "Consolidated Balance Sheets\nAs of our balance sheet date we held cash of $5 million."
    assert page_statement(prose) is None
    discussion = INCOME.replace("Consolidated", "Analysis of the Consolidated")
    assert page_statement(discussion) is None


def test_the_audited_statements_are_where_they_sit_together() -> None:
    pages = {i: f"Page {i} of prose about the business." for i in range(120)}
    pages[2] = CASH_FLOWS.replace("Northwind Traders, Inc.", "Contents")  # a lone early title
    pages[30] = INCOME  # selected data in Item 6, far from the others
    pages.update({50: INCOME, 52: BALANCE, 53: LIABILITIES, 54: CASH_FLOWS})
    pages[110] = INCOME  # the parent-company schedule at the end
    found = statement_pages(pages)
    assert found == {
        Statement.INCOME: [50],
        Statement.BALANCE: [52, 53],
        Statement.CASH_FLOW: [54],
    }
    assert statement_pages({0: "An 8-K with no statements."}) == {}


def test_questions_are_mapped_to_the_statements_they_need() -> None:
    assert question_statements(
        "What is the FY2018 capital expenditure amount for 3M? Use the cash flow statement."
    ) == [Statement.CASH_FLOW]
    # a statement the question names comes before one its words only suggest
    assert (
        question_statements(
            "Using the balance sheet, what is the year end FY2018 net PPNE? Answer in USD billions."
        )[0]
        is Statement.BALANCE
    )
    assert set(question_statements("Is 3M a capital-intensive business based on FY2022?")) == set(
        Statement
    )
    assert question_statements("Does AMCOR have an improving gross margin profile?") == [
        Statement.INCOME
    ]
    assert question_statements("What industry does AMCOR primarily operate in?") == []


@pytest.mark.slow  # a real 10-K read whole
def test_statement_pages_of_a_real_10k_are_its_gold_evidence_pages() -> None:
    pdf = financebench_pdf("BESTBUY_2023_10K")
    pages = {p.index: p.text for p in clean_pages(read_raw_pages(pdf))}
    found = statement_pages(pages)
    gold = {}
    for line in (FINANCEBENCH / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        needs = question_statements(q["question"])
        if q["doc_name"] == "BESTBUY_2023_10K" and needs:
            gold[needs[0]] = q["evidence"][0]["evidence_page_num"]
    assert gold == {Statement.INCOME: 39, Statement.CASH_FLOW: 41}
    for wanted, page in gold.items():
        assert found[wanted][0] == page


def test_the_statement_a_question_needs_is_ranked_first(
    workspace: Workspace, tmp_path: Path
) -> None:
    prose = [
        "Northwind Traders 2023 annual report. We distribute specialty foods.",
        "Capital expenditures were discussed with the board; we plan new warehouses.",
        "Risk factors: fuel prices, labour costs and weather affect our results.",
    ]
    pdf = make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", [*prose, INCOME, BALANCE, CASH_FLOWS])
    ingest(workspace, [pdf])
    [doc] = workspace.catalogue.documents()
    question = "What were Northwind's capital expenditures in the cash flow statement?"
    retriever = Retriever(workspace.catalogue, workspace.store, workspace.embedder)
    first = retriever.evidence(understand(question), 3, [doc.id])[0]
    assert (first.first_page, first.document_name) == (5, "NORTHWIND_2023_10K")
    assert "Purchases of property" in first.text
    # a library this small needs no scope: "capex" alone finds the cash flow statement
    assert retriever.evidence(understand("What was capex in 2023?"), 3)[0].first_page == 5
    plain = Retriever(
        workspace.catalogue, workspace.store, workspace.embedder, SearchConfig(statements=False)
    )
    assert [u.first_page for u in plain.evidence(understand(question), 3, [doc.id])][0] != 5


def test_prose_naming_a_statement_at_the_top_of_a_page_is_not_its_title() -> None:
    figures = "\n".join(f"Line item {n} {n * 10:,} {n * 11:,}" for n in range(30))
    prose = (  # AMCOR's fiscal 2023 release, its "Cash Returns to Shareholders" page
        "Cash Returns to Shareholders\n"
        "Amcor generates significant annual cash flow, maintains strong credit metrics, and is "
        "committed to an investment\n"
        "grade credit rating. The Company's strong annual cash flow and balance sheet provide "
        "substantial capacity to reinvest\n"
    )
    assert page_statement(prose + figures) is None
    titled = (
        "Amcor plc and Subsidiaries Condensed Consolidated Balance Sheets (Unaudited)\n"
        "($ million) June 30, 2022 June 30, 2023\n"
    )
    assert page_statement(titled + figures) == Statement.BALANCE
    split = "Consolidated Statements of\nCash Flows\n(in millions)\n"  # pypdf's split title
    assert page_statement(split + figures) == Statement.CASH_FLOW


def test_a_statement_titled_lower_on_a_page_and_a_list_of_titles() -> None:
    rows = "\n".join(f"Line item {n} {n * 10:,} {n * 11:,}" for n in range(15))
    cash_flow = "Consolidated Statements of Cash Flows\n(in millions)\n" + rows + "\n"
    balance = "Condensed Consolidated Balance Sheets (Unaudited)\n($ million) 2022 2023\n" + rows
    page = cash_flow + balance
    assert [s for _, s in lower_titles(page)] == [Statement.BALANCE]
    assert statement_text(page, Statement.CASH_FLOW) == cash_flow
    assert statement_text(page, Statement.BALANCE) == balance
    listed = (  # titles with a page number each: an index, not statements
        "Consolidated Statement of Income 55\nConsolidated Balance Sheet 57\n"
        "Consolidated Statement of Cash Flows 59\n"
    )
    assert lower_titles(cash_flow + listed) == []
