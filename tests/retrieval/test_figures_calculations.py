"""`Calculation:` lines: parsed without eval, operands looked up on the cited pages with
the unit rules, arithmetic redone."""

from __future__ import annotations

import pytest

from retrieval.calculations import CalcStatus, check_calculations
from retrieval.figures import Status, Verdict, audit_answer, unmatched_figures
from retrieval.types import Evidence

PAGE = (
    "(in millions)\n2023 2022\nRevenue 6,489 5,982\n"
    "Property, plant and equipment, net 282 253\nOperating margin 12.5% 11.0%\n"
)


def status(line: str) -> tuple[str, str]:
    [calc] = check_calculations(line, {"P": PAGE})
    return calc.status.value, calc.right


@pytest.mark.parametrize(
    "line",
    [
        "Calculation: 6,489 / ((253 + 282) / 2) = 24.26",  # fixed-asset turnover
        "**Calculation:** (6,489 - 5,982) / 5,982 = 8.5%",  # percentage change
        "Calculation: (6,489 - 5,982) / 5,982 * 100 = 8.48%",
        "Calculation: (6,489 + 5,982) / 2 = 6,235.5",  # two-year average
        "Calculation: 282 / 6,489 = 4.3%",  # a margin-like ratio as %
        "Calculation: $6,489 million x 12.5% = $811 million",
        "Calculation: revenue 2023 6,489 / PP&E 2023 282 = 23.01",  # labelled, right year
        "Calculation: FY2023 6,489 / FY2022 5,982 = 1.08",
    ],
)
def test_right_calculations_are_computed(line: str) -> None:
    assert status(line)[0] == "computed", line


def test_wrong_arithmetic_is_miscalculated_with_the_right_value() -> None:
    assert status("Calculation: 6,489 / ((253 + 282) / 2) = 25.26") == ("miscalculated", "24.26")
    assert status("Calculation: (6,489 - 5,982) / 5,982 = 9.5%") == ("miscalculated", "8.5%")


def test_an_operand_on_no_cited_page_is_unsupported() -> None:
    assert status("Calculation: 6,489 / ((253 + 292) / 2) = 23.81")[0] == "unsupported"
    # The right line item from another year's column, labelled with the year asked.
    assert status("Calculation: 2023 5,982 / 2023 282 = 21.21")[0] == "unsupported"
    # A percentage is not an amount: 12.5 must be written as the page writes it.
    assert status("Calculation: 6,489 * 12.5 = 81,112.5")[0] == "unsupported"


def test_unreadable_lines_are_never_computed() -> None:
    assert status("Calculation: revenue divided by assets")[0] == "unreadable"
    assert status("Calculation: 6,489 / (253 - 253) = 1")[0] == "unreadable"
    assert status("Calculation: __import__('os') = 1")[0] == "unreadable"


SOURCES = [Evidence("d", "ACME_2023_10K", 4, 4, PAGE, number=1)]


def test_an_answer_repeating_a_computed_result_is_verified() -> None:
    answer = "Fixed-asset turnover was 24.26 [S1].\nCalculation: 6,489 / ((253 + 282) / 2) = 24.26"
    audit = audit_answer(answer, SOURCES)
    assert [(f.text, f.status) for f in audit.figures] == [("24.26", Status.COMPUTED)]
    assert [c.status for c in audit.calculations] == [CalcStatus.COMPUTED]
    assert audit.verdict == Verdict.VERIFIED


def test_a_miscalculated_answer_is_not_verified() -> None:
    answer = "Turnover was 25.26 [S1].\nCalculation: 6,489 / ((253 + 282) / 2) = 25.26"
    audit = audit_answer(answer, SOURCES)
    assert audit.verdict == Verdict.UNVERIFIED
    assert [f.status for f in audit.figures] == [Status.NOT_FOUND]


def test_summaries_use_the_same_check() -> None:
    pages = {5: PAGE}
    assert unmatched_figures(
        "- Turnover 24.26 (p. 5) Calculation: 6,489 / 267.5 = 24.26", pages
    ) == ["24.26", "6,489 / 267.5 = 24.26 (unsupported)"]  # the figure it derives: unbacked
    assert unmatched_figures("- Calculation: 6,489 / 5,982 = 1.2 (p. 5)", pages) == [
        "6,489 / 5,982 = 1.2 (p. 5) (miscalculated: 1.1)"
    ]
