from app.services.figures import figures_in, unmatched_figures
from retrieval.citations import cited_pages

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
