"""Key figures: pick a company, see its statements' core lines across its filings (a column
per period), plot the line under the cursor, open the page any value was read from.

The same table `archivist figures` prints (`app.services.figures`), through the desk."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from app.errors import user_message
from app.services.figures import number, page_number, unit_label
from retrieval.key_figures.table import FiguresTable, Line, Value
from tui.figures_chart import FiguresChart, Point
from tui.safe import literal
from tui.source_screen import SourceScreen
from tui.state import DeskScreen

NO_FIGURES = (
    "No company has key figures yet: they are read from the statements of the filings "
    "ingested (Library, Ctrl+O). For filings ingested before figures existed, run "
    "`archivist reindex`."
)


class FiguresScreen(DeskScreen):
    DEFAULT_CSS = """
    FiguresScreen #companies { width: 26; height: 1fr; border: round $primary; }
    FiguresScreen #right { width: 1fr; }
    FiguresScreen #figures { height: 1fr; }
    FiguresScreen #cell { height: auto; max-height: 3; padding: 0 1; background: $boost; }
    FiguresScreen #chart { height: 14; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("enter", "open_source", "Open page", show=True),
        Binding("e", "open_source(1)", "Earlier value's page", show=False),
        Binding("a", "toggle_labels", "All lines"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.company = ""
        self.every_label = False
        self.table: FiguresTable | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal():
            companies = OptionList(id="companies")
            companies.border_title = "Companies"
            yield companies
            with Vertical(id="right"):
                yield DataTable(id="figures", cursor_type="cell", zebra_stripes=True)
                yield Static(id="cell")
                yield FiguresChart(id="chart")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Figures"
        self.refresh_companies()
        first = "#figures" if self.table is not None else "#companies"  # Tab: the other
        self.set_focus(self.query_one(first))

    def on_screen_resume(self) -> None:
        self.refresh_companies()

    # ---- companies -----------------------------------------------------------------------
    def refresh_companies(self) -> None:
        try:
            known = self.desk.figure_companies()
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.notify(user_message(exc), severity="error")
            return
        companies = self.query_one("#companies", OptionList)
        companies.clear_options()
        for name, documents in known.items():
            companies.add_option(Option(literal(f"{name} ({documents})"), id=name))
        if not known:
            self.query_one("#cell", Static).update(Text(NO_FIGURES))
            return
        chosen = self.company if self.company in known else next(iter(known))
        companies.highlighted = list(known).index(chosen)
        self.show_company(chosen)

    @on(OptionList.OptionHighlighted, "#companies")
    def _company_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.company:
            self.show_company(event.option.id)

    @on(OptionList.OptionSelected, "#companies")
    def _company_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            if event.option.id != self.company:
                self.show_company(event.option.id)
            self.set_focus(self.query_one("#figures", DataTable))  # at once, before the next key

    def show_company(self, company: str) -> None:
        """Fill the table; the same company shown again (back from a page, new filings
        ingested) keeps the cursor where it was."""
        try:
            table = self.desk.figures_table(company, self.every_label)
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.notify(user_message(exc), severity="error")
            return
        if company == self.company and table == self.table:
            return
        grid = self.query_one("#figures", DataTable)
        keep = self._cursor() if company == self.company else None
        self.company, self.table = company, table
        self.sub_title = f"Figures · {table.company} · {len(table.documents)} filings"
        grid.clear(columns=True)
        grid.add_columns("Line", "Unit", *(literal(p) for p in table.periods))
        for line in table.lines:
            cells = [_shown(line, line.cells.get(p, ())) for p in table.periods]
            grid.add_row(
                literal(line.title),
                literal(unit_label(line.unit, line.scale)),
                *cells,
                key=line.key,
            )
        keys = [line.key for line in table.lines]
        if keep is not None and keep[0].key in keys and keep[1] in table.periods:
            grid.move_cursor(row=keys.index(keep[0].key), column=2 + table.periods.index(keep[1]))
        elif table.lines:
            grid.move_cursor(row=0, column=min(2, 1 + len(table.periods)))
        self.show_cursor()

    # ---- the cursor: its value, its line's chart ----------------------------------------------
    def _cursor(self) -> tuple[Line, str] | None:
        grid = self.query_one("#figures", DataTable)
        if self.table is None or grid.row_count == 0:
            return None
        row, column = grid.cursor_coordinate
        line = self.table.lines[row]
        period = self.table.periods[column - 2] if column >= 2 else ""
        return line, period

    @on(DataTable.CellHighlighted, "#figures")
    def _cell_highlighted(self) -> None:
        self.show_cursor()

    def show_cursor(self) -> None:
        cursor = self._cursor()
        detail = self.query_one("#cell", Static)
        chart = self.query_one("#chart", FiguresChart)
        if cursor is None:
            detail.update("")
            chart.plot("", [])
            return
        line, period = cursor
        detail.update(_describe(line, period))
        assert self.table is not None
        points = []
        for each in self.table.periods:
            values = line.cells.get(each, ())
            shown = number(values[0].amount, line.scale) if values else "-"
            value = values[0].amount / line.scale if values else None
            points.append(Point(each, value, shown, len(values) > 1))
        chart.plot(f"{line.title} ({unit_label(line.unit, line.scale)})", points)

    # ---- actions -------------------------------------------------------------------------
    @on(DataTable.CellSelected, "#figures")
    def _cell_selected(self) -> None:
        self.action_open_source()

    def action_open_source(self, which: int = 0) -> None:
        """Open the page the value under the cursor was read from (`which` 1: the earlier
        value of a restated period)."""
        cursor = self._cursor()
        if cursor is None or not cursor[1]:
            self.notify("Move to a value to open its page")
            return
        values = cursor[0].cells.get(cursor[1], ())
        if len(values) <= which:
            self.notify("No earlier value for this period" if which else "No value here")
            return
        try:
            source = self.desk.figure_source(values[which].source)
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.notify(user_message(exc), severity="error")
            return
        self.app.push_screen(SourceScreen(source))

    def action_toggle_labels(self) -> None:
        self.every_label = not self.every_label
        if self.company:
            self.show_company(self.company)
        self.notify("Every printed line shown" if self.every_label else "Core items only")


def _shown(line: Line, values: tuple[Value, ...]) -> Text:
    if not values:
        return Text("-", style="dim", justify="right")
    text = Text(number(values[0].amount, line.scale), justify="right")
    if len(values) > 1:
        text.append(" *", style="bold yellow")
    return text


def _describe(line: Line, period: str) -> Text:
    values = line.cells.get(period, ()) if period else ()
    if not values:
        return literal(f"{line.title}: pick a period's value to see where it was read.")
    unit = unit_label(line.unit, line.scale)
    text = literal(f"{line.title}, {period}: ", "bold")
    for place, value in enumerate(values):
        cited = ", ".join(f"{s.document_name} p.{page_number(s)}" for s in value.sources)
        text.append_text(
            literal(("  restated; was " if place else "") + f"{number(value.amount, line.scale)}")
        )
        text.append_text(literal(f" {unit} ({cited})", "dim"))
    text.append("   Enter opens the page" + (", E the earlier one" if len(values) > 1 else ""))
    return text
