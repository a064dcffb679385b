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
from itertools import accumulate, pairwise


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
MAX_PAGES = 6  # pages one statement may run over, each titled again
MIN_SECTION_FIGURES = 20  # a statement titled lower on a page: figures under its title
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
    return {statement for statement, _ in _headings(_head_lines(text))}


def _headings(lines: list[str]) -> list[tuple[Statement, int]]:
    """The statement titles in `lines` (letters only), each with the line it starts on: a
    heading, not prose naming a statement ("... cash flow and balance sheet provide
    substantial capacity ..."), so little else is on the title's line(s)."""
    head = "".join(lines)
    ends = list(accumulate(len(line) for line in lines))  # where each line ends in `head`
    found = []
    for statement, title in _TITLES.items():
        for match in title.finditer(head):
            if head[: match.start()].endswith(_DISCUSSED):
                continue
            first, last = bisect_right(ends, match.start()), bisect_left(ends, match.end())
            before = match.start() - (ends[first - 1] if first else 0)
            after = ends[last] - match.end()
            if before <= TITLE_PREFIX and after <= TITLE_SUFFIX:
                found.append((statement, first))
    return found


def lower_titles(text: str) -> list[tuple[int, Statement]]:
    """Statements titled below the head of a page, with the character offset of the title's
    line: an earnings release prints its balance sheet under its cash flow statement. A
    title line (or a title split over two lines) heading a table of figures, as the part
    above it does; a list of titles (an index of the statements) is none."""
    lines = text.splitlines(keepends=True)
    letters = [re.sub(r"[^a-z]", "", line.lower()) for line in lines]
    offsets = list(accumulate((len(line) for line in lines), initial=0))
    headed = [n for n, kept in enumerate(letters) if kept][:HEAD_LINES]
    found: list[tuple[int, Statement]] = []
    for n in range(headed[-1] + 1 if headed else 0, len(lines)):
        pair = [letters[n], letters[n + 1] if n + 1 < len(lines) else ""]
        starts = [statement for statement, line in _headings(pair) if line == 0 and pair[0]]
        if starts:
            found.append((offsets[n], starts[0]))
    bounds = [0, *(start for start, _ in found), len(text)]
    sizes = [len(_FIGURE.findall(text[a:b])) for a, b in pairwise(bounds)]
    return found if all(size >= MIN_SECTION_FIGURES for size in sizes) else []


def _sections(text: str, top: Statement | None) -> list[tuple[int, Statement | None]]:
    """Where each statement on a page starts: the head's at 0 (None: a page continuing the
    previous statement, or untitled), then those titled lower down."""
    return [(0, top), *lower_titles(text)]


def statement_text(text: str, statement: Statement) -> str:
    """The parts of a statement page that hold `statement`: from each of its titles to the
    next statement's (a release may print its quarter and its year as two tables), and on a
    page continuing it, the part above the first title below the head."""
    sections = _sections(text, page_statement(text))
    ends = [start for start, _ in sections[1:]] + [len(text)]
    parts = [
        text[start:end]
        for n, ((start, found), end) in enumerate(zip(sections, ends, strict=True))
        if found == statement or (n == 0 and found is None)
    ]
    return "".join(parts) if parts else text


def _closes(text: str, statement: Statement) -> bool:
    """The statement's closing line is on this page: its balance sheet's total of
    liabilities and equity, its cash flow statement's cash at the end of the period."""
    for line in text.splitlines():
        kept = re.sub(r"[^a-z]", "", line.lower())
        closing = any(word in kept for word in ("equity", "deficit", "capital"))
        if statement == Statement.BALANCE and kept.startswith("totalliabilities") and closing:
            return True
        if statement == Statement.CASH_FLOW and kept.startswith("cash") and "endof" in kept:
            return True
    return False


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
    titled: list[tuple[int, Statement]] = []
    for i in sorted(pages):
        top = page_statement(pages[i])
        if top is not None:  # and the statements printed under it on the same page
            titled += [(i, s) for _, s in _sections(pages[i], top) if s is not None]
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
    titles = set(titled)
    for index, statement in window:
        if statement in found:
            continue
        while (index - 1, statement) in titles:  # a statement titled on each of its pages
            index -= 1
        found[statement] = [index]
        following = pages.get(index + 1)
        if following is not None and _continues(following, statement):
            page = pages[index]
            last = [s for _, s in _sections(page, page_statement(page)) if s is not None][-1:]
            if last == [statement] and not _closes(statement_text(page, statement), statement):
                found[statement].append(index + 1)
                # and on, while each page repeats its title (J&J's three recast quarters)
                while len(found[statement]) < MAX_PAGES and _retitled(
                    pages.get(found[statement][-1] + 1), statement
                ):
                    found[statement].append(found[statement][-1] + 1)
    return found


def _retitled(text: str | None, statement: Statement) -> bool:
    return text is not None and page_statement(text) == statement and not lower_titles(text)


def _continues(text: str, statement: Statement) -> bool:
    """Same title again ("... (continued)") or none at all, and as dense with figures."""
    if len(_FIGURE.findall(text)) < MIN_FIGURES:
        return False
    titles = _titles(text)
    if titles:
        return titles == {statement}
    head = _head(text)
    return "statement" not in head and "notesto" not in head
