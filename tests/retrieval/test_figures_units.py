"""Unit-aware figure matching: kinds, stated scales, signs, references, ranges, split
numbers. Each wrong claim here was verified by the check before it knew units."""

from __future__ import annotations

import pytest

from retrieval.figure_units import figures_in, read_page
from retrieval.figures import Verdict, audit_claims, unmatched_figures

TABLE = (
    "Consolidated Statement of Income (in millions, except per share)\n"
    "2023 2022\n"
    "Net sales $ 6,489 $ 5,982\n"
    "Operating income (loss) (125) 412\n"
    "Gross margin (%) 31.2 30.1\n"
    "Diluted EPS $ 2.35 $ 2.10\n"
    "See Note 12 and Item 7. Revenue grew 7% and margin improved 50 basis points.\n"
    "Total assets $1,\n234\n"
)
PAGES = {1: TABLE, 2: "Store count 5 in fiscal 2021; guidance 5-7% growth."}


def verified(claim: str, page: str = TABLE) -> bool:
    audit = audit_claims([(0, len(claim), {"p": page}, {})], claim)
    return audit.verdict == Verdict.VERIFIED


@pytest.mark.parametrize(
    "claim",
    [
        "Net sales were $6,489 million.",
        "Net sales were $6.5 billion.",  # the page states millions
        "Net sales were 6,489.",
        "Gross margin was 31.2%.",  # a bare number on a line the page labels %
        "Revenue grew 7%.",
        "Margin improved 50 bps.",
        "Margin improved 0.5 percentage points.",  # 50 basis points
        "An operating loss of $125 million.",  # parentheses on the page, a word here
        "Operating income was (125).",
        "Total assets were $1,234 million.",  # the page split it across a line
        "EPS was $2.35 per share.",
    ],
)
def test_right_claims_verify(claim: str) -> None:
    assert verified(claim), claim


@pytest.mark.parametrize(
    "claim",
    [
        "Net sales were $6,489 billion.",  # 1,000x
        "Net sales were $6,489 thousand.",
        "Revenue grew 12%.",  # "Note 12"
        "Revenue grew 7 bps.",  # basis points are not percentages
        "Margin improved 50%.",
        "Net sales rose 6,489%.",  # a bare number as a percentage
        "Revenue was $7 million.",  # a percentage as dollars
        "Operating income was an increase of 125.",  # the page says (125)
        "Net sales were -6,489.",  # a sign flip
        "Net sales were a decrease of 5,982.",
        "Net sales were $2,023 million.",  # a year as an amount
        "EPS was $2.35 billion.",  # a per-share amount takes no page scale
    ],
)
def test_wrong_claims_do_not_verify(claim: str) -> None:
    assert not verified(claim), claim


def test_a_scale_applies_only_where_the_page_states_it() -> None:
    page = "Segment 5 results are discussed below. Net sales 6,489."
    assert not verified("Net sales were $5 billion.", page)  # a bare 5, no stated scale
    assert not verified("Net sales were $6.5 billion.", page)
    assert verified("Net sales were $6.5 billion.", page.replace("below.", "below (in millions)."))


def test_references_years_and_footnote_marks_are_not_figures() -> None:
    text = "See p. 4, page 12, Note 12, Item 7, Exhibit 10.4 and Revenue(1) in fiscal 2023."
    assert figures_in(text) == []
    assert [f.text for f in figures_in("(1) Includes restructuring of $25 million")] == [
        "$25 million"
    ]


def test_ranges_are_two_figures_each_needing_a_match() -> None:
    assert [f.value for f in figures_in("guidance of 5-7%")] == [5.0, 7.0]
    assert all(f.percent for f in figures_in("guidance of 5-7%"))
    assert unmatched_figures("- Guidance 5-7% growth (p. 2)", PAGES) == []
    assert unmatched_figures("- Guidance 5-8% growth (p. 2)", PAGES) == ["5-8%"]


def test_signs_are_kept() -> None:
    assert [f.value for f in figures_in("a decrease of 3% and -4.5% and (12.5)")] == [
        -3.0,
        -4.5,
        -12.5,
    ]
    assert [f.sign for f in figures_in("revenue rose 3% to $5.2 billion")] == ["+", ""]


def test_page_columns_take_the_years_of_their_header() -> None:
    page = read_page(TABLE)
    years = {f.text: y for f, y in zip(page.figures, page.years, strict=True)}
    assert years["$ 6,489"] == "2023" and years["$ 5,982"] == "2022"


def test_a_unit_does_not_reach_across_a_line() -> None:
    page = "Income before tax $ 4,186 1,090 (104) 5,172\n% to Sales 31.7 % 19.8 %"
    assert [f.percent for f in figures_in(page) if f.text.endswith("5,172")] == [False]
    assert not verified("The rate was 5,172%.", page)
    # ...but a "%" alone at the head of the next line (its own table cell) is the number's.
    assert verified("Gross margin was 31.7%.", "Gross margin 31.7\n%\nOperating margin 12.0\n%")


def test_a_noun_is_not_a_sign() -> None:
    page = "(Dollars in millions)\nMain floor table games drop $ 2,872 $ 425"
    assert not verified("It was -2,872.", page)
    assert verified("Table games drop was $2,872 million.", page)


def test_a_no_break_space_before_the_percent_sign() -> None:
    assert verified(
        "The statutory rate was 34%.", "Tax at federal statutory rate 34.0\xa0% 34.0\xa0%"
    )


def test_the_magnitude_index_finds_exactly_what_trying_every_figure_finds() -> None:
    """`holds` tries only the figures whose size can match at some scale; a claim of each
    figure on the page, rewritten at other scales, rounded, signed or off by a little,
    must get the answer trying every figure gets."""
    from retrieval.figure_units import matches

    page = read_page(TABLE + "\n(in thousands) Backlog 1,234,567, 0.5, 98.76%, $3.1 million")
    claims = []
    for f in page.figures:
        v = f.magnitude
        written = [f.text, f"${v / 1000:.1f} billion", f"${v:,.0f} million", f"{v * 1.02:,.2f}"]
        written += [f"({v:,.1f})", f"{v:.1f}%", f"{v * 1000:,.0f}", f"{v / 1e6:.3f} million"]
        written += [f"{v / 1e6:.1f}", f"{v / 1e3:,.0f}"]  # bare: a scaled figure as written
        for text in written:
            claims += figures_in(text)
    assert len(claims) > 60
    for claim in claims:
        for year in (None, "2023", "2022"):
            every = any(
                matches(claim, candidate, page.scales) and (year is None or col in (None, year))
                for candidate, col in zip(page.figures, page.years, strict=True)
            )
            assert page.holds(claim, year) == every, (claim.text, year)
