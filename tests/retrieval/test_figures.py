from retrieval.citations import cited_pages
from retrieval.figures import Status, check_answer, figures_in, unmatched_figures
from retrieval.types import Evidence

PAGES = {
    2: "Capital expenditures in fiscal 2023 were 412 million dollars.",
    4: "Revenue grew 7 percent to 5,213 million dollars. Net loss was (12.5) million.",
    9: "(in millions)  Revenue  5,213  4,871   Operating income  612.4  580.0",
}


def test_values_are_normalised() -> None:
    [f] = figures_in("revenue of $5.2 billion")
    assert f.value == 5.2e9 and f.step == 1e8
    [neg] = figures_in("a loss of (12.5) million")
    assert neg.value == -12.5e6
    assert figures_in("in fiscal 2023") == []  # years are not figures
    assert figures_in("up 7%")[0].percent


def test_cited_pages() -> None:
    assert cited_pages("Capex rose (p. 2; pp. 4-5)") == [2, 4, 5]


def test_true_figures_match_their_cited_page() -> None:
    assert unmatched_figures("- Capex was $412 million (p. 2)", PAGES) == []
    assert unmatched_figures("- Revenue rose 7% to $5.2 billion (p. 4)", PAGES) == []
    assert unmatched_figures("- Net loss of $12.5 million (p. 4)", PAGES) == []
    assert unmatched_figures("- Operating income $612.4 million (p. 9)", PAGES) == []


def test_planted_wrong_number_is_flagged() -> None:
    assert unmatched_figures("- Capex was $421 million (p. 2)", PAGES) == ["$421 million"]


def test_figure_on_an_uncited_page_is_flagged() -> None:
    assert unmatched_figures("- Capex was $412 million (p. 4)", PAGES) == ["$412 million"]
    assert unmatched_figures("- Capex was $412 million", PAGES) == ["$412 million"]


# --- answers: the same check, claim by claim against the sources each claim cites -------

SOURCES = [
    Evidence(
        "d", "ACME_2023_10K", 1, 1, "Capital expenditures were 412 million dollars.", number=1
    ),
    Evidence(
        "d",
        "ACME_2023_10K",
        3,
        3,
        'Operating margin was 7.3 percent. "Demand was strong."',
        number=2,
    ),
]


def statuses(answer: str) -> list[tuple[str, str]]:
    return [(c.text, c.status.value) for c in check_answer(answer, SOURCES)]


def test_each_figure_of_an_answer_is_found_where_its_claim_cites() -> None:
    answer = "Capex was $412 million [S1]. Margin was 7.3% [S2]."
    assert statuses(answer) == [("$412 million", "cited"), ("7.3%", "cited")]


def test_a_figure_on_another_source_or_nowhere_is_unverified() -> None:
    answer = "Capex was $412 million and margin 7.3% [S1]; EPS rose 12.25% [S2]."
    assert statuses(answer) == [
        ("$412 million", "cited"),
        ("7.3%", "other_source"),  # on S2, but the claim cites S1
        ("12.25%", "not_found"),
    ]
    [wrong] = [c for c in check_answer(answer, SOURCES) if c.status == Status.NOT_FOUND]
    assert answer[wrong.start : wrong.end] == "12.25%"  # offsets point into the raw answer
    assert not wrong.verified and wrong.as_dict()["status"] == "not_found"


def test_markers_quarters_forms_and_company_names_are_not_figures() -> None:
    assert statuses("In Q4 FY22 the 10-K of 3M says so [S1].") == []


def test_quoted_spans_must_be_in_the_cited_text() -> None:
    answer = 'Management said "demand was strong" [S2] and "margins will double next year" [S2].'
    assert statuses(answer) == [
        ("demand was strong", "cited"),
        ("margins will double next year", "not_found"),
    ]
    assert unmatched_figures('- Management said "demand was strong" (p. 2)', PAGES) == [
        "demand was strong"
    ]


def test_an_uncited_closing_claim_is_checked_against_every_cited_source() -> None:
    answer = "Capex was $412 million [S1]. In all, $412 million."
    assert statuses(answer) == [("$412 million", "cited"), ("$412 million", "cited")]
