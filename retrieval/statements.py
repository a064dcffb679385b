"""The primary financial statements: find them in a filing, and know when a question needs one.

Most numeric questions an analyst asks of a 10-K (capex, working capital, gross margin,
dividends paid) are answered on the income statement, the balance sheet or the cash flow
statement. Those pages are nearly all numbers, so neither the embedder nor BM25 ranks them
well from a question that never says their title. A statement page is recognised by its
title at the top of the page (pypdf often breaks it, "Cash Flow\\ns", so titles are matched
with whitespace removed) on a page dense with figures; a question is mapped to statements
by the statement it names or by the line items and ratios that come from it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from enum import StrEnum
from itertools import accumulate


class Statement(StrEnum):
    INCOME = "income statement"
    BALANCE = "balance sheet"
    CASH_FLOW = "cash flow statement"


# A title line, lower-cased with everything but letters removed: "Consolidated Statements of
# Cash Flows", "CONDENSED CONSOLIDATED BALANCE SHEETS", "INCOME STATEMENTS".
_TITLES = {
    Statement.INCOME: re.compile(
        r"(condensed|consolidated|combined)*(statements?of(income|operations|earnings)|incomestatements?)"
    ),
    Statement.BALANCE: re.compile(
        r"(condensed|consolidated|combined)*(balancesheets?|statements?of(financialposition|condition))"
    ),
    Statement.CASH_FLOW: re.compile(
        r"(condensed|consolidated|combined)*(statements?ofcashflows?|cashflowsstatements?)"
    ),
}

# MD&A tables discussing a statement carry its title too.
_DISCUSSED = ("analysisof", "analysisofthe", "discussionof", "summaryof", "summaryofthe")
HEAD_LINES = 8  # where a statement's title sits: the first lines of the page
HEAD_SCAN = 1500  # characters holding those lines, however short
# Letters a title's line may hold before it ("3M Company and Subsidiaries", "U.S. GAAP")
# and after it ("(Unaudited) (in millions, except per share amounts)").
TITLE_PREFIX = 40
TITLE_SUFFIX = 60
_FIGURE = re.compile(r"\(?\$?\d[\d,]*(\.\d+)?\)?")
MIN_FIGURES = 40  # a statement page carries dozens of figures; a contents page few
CLUSTER_PAGES = 12  # the primary statements follow each other in Item 8


def _head_lines(text: str) -> list[str]:
    """The first lines, letters only: pypdf splits titles anywhere ("Consolidated
    Statements of" / "Cash Flows", "Balance Shee" / "t"), so titles are matched across them."""
    lines = [re.sub(r"[^a-z]", "", line.lower()) for line in text[:HEAD_SCAN].splitlines()]
    return [line for line in lines if line][:HEAD_LINES]


def _head(text: str) -> str:
    return "".join(_head_lines(text))


def _titles(text: str) -> set[Statement]:
    lines = _head_lines(text)
    head = "".join(lines)
    ends = list(accumulate(len(line) for line in lines))  # where each line ends in `head`
    found = set()
    for statement, title in _TITLES.items():
        for match in title.finditer(head):
            if head[: match.start()].endswith(_DISCUSSED):
                continue
            first, last = bisect_right(ends, match.start()), bisect_left(ends, match.end())
            before = match.start() - (ends[first - 1] if first else 0)
            after = ends[last] - match.end()
            # A heading, not prose naming a statement ("... cash flow and balance sheet
            # provide substantial capacity ..."): little else on the title's line(s).
            if before <= TITLE_PREFIX and after <= TITLE_SUFFIX:
                found.add(statement)
    return found


def page_statement(text: str) -> Statement | None:
    """The statement this page presents, or None (also for a contents page naming several)."""
    found = _titles(text)
    if len(found) != 1 or len(_FIGURE.findall(text)) < MIN_FIGURES:
        return None
    return next(iter(found))


def statement_pages(pages: dict[int, str]) -> dict[Statement, list[int]]:
    """Each statement's pages in a filing; a following page continuing its table belongs to it.

    Titled pages also turn up in the contents, in MD&A ("Analysis of the Consolidated
    Statements of Income" tables) and in parent-company schedules; the audited statements
    are where all of them sit together: the shortest run of pages holding the most different
    statements wins, the earliest on a tie.
    """
    titled = [(i, s) for i in sorted(pages) if (s := page_statement(pages[i])) is not None]
    best: tuple[int, int, int] | None = None  # (-statements, pages spanned, start)
    for n, (first, _) in enumerate(titled):
        seen: set[Statement] = set()
        for index, statement in titled[n:]:
            if index >= first + CLUSTER_PAGES:
                break
            if statement not in seen:
                seen.add(statement)
                key = (-len(seen), index - first, n)
                best = key if best is None or key < best else best
    if best is None:
        return {}
    start = titled[best[2]][0]
    window = [(i, s) for i, s in titled[best[2] :] if i <= start + best[1]]
    found: dict[Statement, list[int]] = {}
    titles = dict(titled)
    for index, statement in window:
        if statement in found:
            continue
        while titles.get(index - 1) == statement:  # a statement titled on each of its pages
            index -= 1
        found[statement] = [index]
        following = pages.get(index + 1)
        if following is not None and _continues(following, statement):
            found[statement].append(index + 1)
    return found


def _continues(text: str, statement: Statement) -> bool:
    """Same title again ("... (continued)") or none at all, and as dense with figures."""
    if len(_FIGURE.findall(text)) < MIN_FIGURES:
        return False
    titles = _titles(text)
    if titles:
        return titles == {statement}
    head = _head(text)
    return "statement" not in head and "notesto" not in head
