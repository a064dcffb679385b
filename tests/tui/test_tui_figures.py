"""The Figures screen, driven with Pilot over really ingested filings whose key figures are
seeded in the store: pick a company, read its table, plot a line, open a value's page (and
a restated value's earlier page)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, OptionList, Static

from app.workspace import Workspace
from tests.figures_library import acme_library
from tests.tui_helpers import SIZE, rendered, wait_until
from tui.figures_chart import FiguresChart, Point, chart_lines
from tui.figures_screen import FiguresScreen
from tui.main_app import ArchivistApp
from tui.source_screen import SourceScreen


async def test_pick_a_company_plot_a_line_and_open_a_values_page(
    workspace: Workspace, tmp_path: Path
) -> None:
    acme_library(workspace, tmp_path / "docs")
    app = ArchivistApp(workspace, start="library")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FiguresScreen))
        screen = app.screen
        assert isinstance(screen, FiguresScreen)
        companies = screen.query_one("#companies", OptionList)
        assert [str(companies.get_option_at_index(i).prompt) for i in range(1)] == ["ACME (2)"]
        assert companies.option_count == 1  # BETA has documents but no figures
        grid = screen.query_one("#figures", DataTable)
        assert app.focused is grid  # the first company's table, ready to move in
        await pilot.press("shift+tab")
        assert app.focused is companies
        await pilot.press("enter")  # the company: back to its table
        assert app.focused is grid
        assert [str(c.label) for c in grid.columns.values()] == [
            "Line", "Unit", "FY2021", "FY2022", "FY2023",
        ]  # fmt: skip
        rows = [[str(cell) for cell in grid.get_row_at(i)] for i in range(grid.row_count)]
        assert rows == [
            ["Revenue / net sales", "$M", "900", "1,000", "1,100"],
            ["Diluted EPS", "$/share", "2.10", "2.50", "-"],
            ["Capital expenditures", "$M", "(100)", "(125) *", "(130)"],
        ]
        chart = screen.query_one("#chart", FiguresChart)
        assert chart.title == "Revenue / net sales ($M)"
        await pilot.press("down", "down")  # the capex line, FY2021: plotted, its page cited
        assert chart.title == "Capital expenditures ($M)"
        assert [p.value for p in chart.points] == [-100.0, -125.0, -130.0]
        assert "0 ┤" in rendered(chart) and "(125)*" in rendered(chart)
        await pilot.press("right")  # FY2022: restated
        detail = rendered(screen.query_one("#cell", Static))
        assert "(125) $M (ACME_2023_10K p.3)" in detail
        assert "restated; was (120) $M (ACME_2022_10K p.3)" in detail

        await pilot.press("enter")  # the newest filing's page, its row highlighted
        await wait_until(pilot, lambda: isinstance(app.screen, SourceScreen), timeout=10)
        source = app.screen
        assert isinstance(source, SourceScreen)
        title = rendered(source.query_one("#page-title", Static))
        assert "ACME_2023_10K — page 3 of 3" in title and "cited passage" in title
        assert "Purchases of property and equipment (130) (125)" in source.shown.plain
        highlighted = [s for s in source.shown.spans if "yellow" in str(s.style)]
        [span] = highlighted
        assert source.shown.plain[span.start : span.end].startswith("Purchases of property")

        await pilot.press("escape")
        await pilot.press("e")  # the earlier value's page: the 2022 filing
        await wait_until(pilot, lambda: isinstance(app.screen, SourceScreen), timeout=10)
        assert "ACME_2022_10K — page 3" in rendered(app.screen.query_one("#page-title"))
        await pilot.press("escape")

        await pilot.press("a")  # every printed line
        assert grid.row_count == 4
        assert str(grid.get_row_at(3)[0]) == "Research and development"


async def test_no_figures_says_how_they_come(workspace: Workspace) -> None:
    app = ArchivistApp(workspace, start="figures")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "archivist reindex" in rendered(app.screen.query_one("#cell", Static))
        assert app.screen.query_one("#figures", DataTable).row_count == 0


def test_columns_stand_on_zero_with_their_values_under_them() -> None:
    points = [Point("FY2021", 100.0, "100"), Point("FY2022", -50.0, "(50)", restated=True)]
    lines = chart_lines(points, 6, "Net income ($M)").plain.splitlines()
    assert lines[0] == "Net income ($M)"
    zero = next(n for n, line in enumerate(lines) if line.startswith("0 ┤"))
    above, below = lines[1:zero], lines[zero + 1 : 7]
    first, second = (
        lines[1].index("█"),
        lines[zero + 1].rindex("▀") if "▀" in lines[zero + 1] else lines[zero + 1].rindex("█"),
    )
    assert all(line[first] == "█" for line in above) and second > first  # 100 up, -50 down
    assert len(above) == 4 and len(below) == 1  # twice as tall as deep
    assert lines[7].split() == ["FY2021", "FY2022"] and lines[8].split() == ["100", "(50)*"]
    assert "restated" in lines[9]
