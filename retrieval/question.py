"""What a question asks, read once, when it is asked: the companies, years, quarters and
forms it names (what `retrieval.scope` narrows the library by), the financial statements it
needs (what `retrieval.search` puts first) and the line items and periods whose table rows
every passage keeps (`retrieval.question_rows`). `app/services/ask.py` reads the question
here at its start; the steps after it take what they need from the `Question` and never
parse the text again (the search embeds it; the prompt writes it out, once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingestion.records import WORD, normalise_form, squash
from retrieval.statements import Statement

QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2,
                 "3rd": 3, "4th": 4}  # fmt: skip
ITEM_WORD = re.compile(r"[a-z][a-z&]+")  # the words of a line item, lower-cased
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


@dataclass(frozen=True)
class QuestionFacets:
    """What the question names: companies (squashed keys), fiscal years, quarters, forms."""

    companies: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    quarters: frozenset[int] = frozenset()
    forms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RowTerms:
    """The line-item phrases a statement writes the question's metrics with, the stems of
    the question's own words, and the years it names."""

    phrases: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Question:
    """A question as asked (`text`) and what it asks, read once."""

    text: str
    facets: QuestionFacets
    statements: tuple[Statement, ...] = ()
    rows: RowTerms = RowTerms()


def understand(text: str, companies: Iterable[str] = ()) -> Question:
    """Read the question once; `companies` are the library's company keys (squashed)."""
    return Question(
        text, question_facets(text, companies), tuple(question_statements(text)), row_terms(text)
    )


def _year(token: str) -> int | None:
    digits = token.upper().removeprefix("FY").removeprefix("CY")
    if re.fullmatch(r"(19|20)\d{2}", digits):
        return int(digits)
    if token.upper().startswith("FY") and re.fullmatch(r"\d{2}", digits):
        return 2000 + int(digits)
    return None


def question_facets(question: str, companies: Iterable[str]) -> QuestionFacets:
    """Recognise the library's company names, fiscal years/quarters and form types."""
    words = WORD.findall(question)
    upper = [w.upper() for w in words]
    found: set[str] = set()
    keys = {squash(c) for c in companies if squash(c)}
    for start in range(len(upper)):
        run = ""
        for word in upper[start : start + 5]:
            run += word
            if run in keys:
                found.add(run)
    for word in words:  # a ticker-like abbreviation: "JPM" for JPMORGAN, "MGM" for MGMRESORTS
        if len(word) >= 3 and word.isupper() and word.isalpha() and word not in keys:
            starting = sorted((k for k in keys if k.startswith(word) and k != word), key=len)
            if starting and all(k.startswith(starting[0]) for k in starting):  # one filer
                found.add(starting[0])
    years = {y for w in words if (y := _year(w)) is not None}
    quarters = {int(w[1]) for w in upper if re.fullmatch(r"Q[1-4]", w)}
    for i, word in enumerate(upper[:-1]):
        if word.lower() in QUARTER_WORDS and upper[i + 1] == "QUARTER":
            quarters.add(QUARTER_WORDS[word.lower()])
    forms: set[str] = set()
    text = question.upper()
    for pattern, form in (
        (r"\b10-?K\b|ANNUAL REPORT", "10-K"),
        (r"\b10-?Q\b|QUARTERLY REPORT", "10-Q"),
        (r"\b8-?K\b", "8-K"),
        (r"EARNINGS (RELEASE|REPORT|CALL)", "earnings"),
    ):
        if re.search(pattern, text):
            forms.add(normalise_form(form))
    return QuestionFacets(frozenset(found), frozenset(years), frozenset(quarters), frozenset(forms))


# What each statement answers, in the words analysts use. A question may need several
# ("capital-intensive": capex, PP&E and revenue).
_NEEDS = {
    Statement.INCOME: re.compile(
        r"income statement|statements? of (income|operations|earnings)|\bP&L\b|profit and loss"
        r"|revenue|net sales|\bsales\b|\bCOGS\b|cost of (goods|sales|revenue)"
        r"|gross (margin|profit)|operating (margin|income|profit)|\bEBIT(DA)?\b"
        r"|net (income|earnings|profit|margin|loss)|\bEPS\b|earnings per share|\bSG&A\b"
        r"|selling, general|research and development|interest expense|effective tax rate"
        r"|income tax expense|return on (assets|equity)|\bRO[AE]\b|asset turnover"
        r"|capital[- ]intensive|payout ratio|inventory turnover|days (sales|inventory|payable)",
        re.I,
    ),
    Statement.BALANCE: re.compile(
        r"balance sheet|statements? of financial position|\bPP&?N?E\b|property,? plant"
        r"|total assets|working capital|quick ratio|current ratio|cash ratio|inventor(y|ies)"
        r"|receivables?|payables?|total (debt|liabilities)|long[- ]term debt|net debt"
        r"|(shareholders|stockholders)[’']? equity|debt[- ]to[- ](equity|assets|capital)"
        r"|book value|goodwill|return on (assets|equity)|\bRO[AE]\b|asset turnover"
        r"|capital[- ]intensive|liquidity|days (sales|inventory|payable)",
        re.I,
    ),
    Statement.CASH_FLOW: re.compile(
        r"cash ?flows?|\bcapex\b|capital expenditures?|purchases? of property"
        r"|\bFCF\b|dividends? paid|cash dividends|dividend payout|payout ratio"
        r"|(share|stock) (repurchases?|buybacks?)|buybacks?|capital[- ]intensive"
        r"|depreciation and amortization|\bD&A\b",
        re.I,
    ),
}
_NAMED = {
    Statement.INCOME: re.compile(
        r"income statement|statements? of (income|operations|earnings)|\bP&L\b", re.I
    ),
    Statement.BALANCE: re.compile(r"balance sheet|statements? of financial position", re.I),
    Statement.CASH_FLOW: re.compile(r"cash ?flows? statement|statements? of cash flows?", re.I),
}


def named_statements(question: str) -> list[Statement]:
    """The statements a question names ("the cash flow statement", "P&L")."""
    return [s for s, p in _NAMED.items() if p.search(question)]


def question_statements(question: str) -> list[Statement]:
    """The statements a question needs: those it names first, then by where the need shows."""
    named = named_statements(question)
    found: list[tuple[int, int, Statement]] = []
    for statement, pattern in _NEEDS.items():
        match = pattern.search(question)
        if match:
            found.append((0 if statement in named else 1, match.start(), statement))
    return [s for _, _, s in sorted(found)]


# Words of a question that name no line item.
STOP_WORDS = """what which when where were was the and for from with that this these those their
    amount amounts value total company company's companies fiscal year years usd dollars
    millions billions thousands million billion based data give response question answer
    relying details shown statement statements report reported please provide using use
    calculate calculation compute metric ratio round rounded decimal places number numbers
    does did has have had how much many over between change changed compared versus
    information outlined stated only clearly within according assume you are your analyst
    public equities investment banker resources following defined define reasonable
    approximation exact possible primary financial sheet balance income cash flow flows
    consolidated end year-end term during period quarter annual basis used shown"""
_STOP = frozenset(STOP_WORDS.split())
# What a question calls a metric, and the line items a statement writes it with.
_ITEMS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (
        re.compile(r"capex|capital expenditure|capital[- ]intensive", re.I),
        ("purchases of property", "capital expenditure", "additions to property"),
    ),
    (
        re.compile(r"revenue|\bsales\b|top line|capital[- ]intensive|margin|turnover", re.I),
        ("net sales", "revenue", "total revenues", "net revenues"),
    ),
    (
        re.compile(r"\bCOGS\b|cost of (goods|sales|revenue)|gross (margin|profit)", re.I),
        ("cost of sales", "cost of goods", "cost of revenue", "gross profit"),
    ),
    (
        re.compile(r"operating (margin|income|profit)|\bEBIT", re.I),
        ("operating income", "income from operations", "operating profit"),
    ),
    (
        re.compile(r"working capital|current ratio|quick ratio|liquidity", re.I),
        ("total current assets", "total current liabilities", "cash and cash equivalents"),
    ),
    (
        re.compile(r"quick ratio", re.I),
        ("receivable", "short-term investments", "marketable securities"),
    ),
    (
        re.compile(r"return on assets|\bROA\b|asset turnover|capital[- ]intensive", re.I),
        ("total assets", "net income", "property, plant"),
    ),
    (re.compile(r"\bPP&?N?E\b|fixed asset", re.I), ("property, plant", "total assets")),
    (re.compile(r"dividend|payout", re.I), ("dividends", "net income")),
    (
        re.compile(r"free cash ?flow|\bFCF\b|cash ?flow conversion", re.I),
        ("net cash provided by operating", "purchases of property", "net income"),
    ),
    (
        re.compile(r"operating cash ?flow|cash from operations", re.I),
        ("net cash provided by operating", "total current liabilities"),
    ),
    (re.compile(r"inventor", re.I), ("inventories", "cost of sales")),
    (re.compile(r"\bD&A\b|depreciation", re.I), ("depreciation",)),
    (re.compile(r"\bEPS\b|per share", re.I), ("per share",)),
    (re.compile(r"effective tax rate", re.I), ("income before income taxes", "provision for")),
    (re.compile(r"\bdebt\b", re.I), ("long-term debt", "short-term borrowings", "total debt")),
]


def row_terms(question: str) -> RowTerms:
    """What `question_rows.row_spans` looks for in a page's rows."""
    phrases = {p for pattern, items in _ITEMS if pattern.search(question) for p in items}
    stems = {w[:6] for w in ITEM_WORD.findall(question.lower()) if len(w) > 3 and w not in _STOP}
    years = set(YEAR.findall(question)) | {
        f"20{y}" for y in re.findall(r"\bFY'?(\d{2})\b", question, re.I)
    }
    return RowTerms(frozenset(phrases), frozenset(stems), frozenset(years))
