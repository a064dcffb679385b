"""`figures`: a company's key figures across its filings, each value citing its page."""

from __future__ import annotations

import csv
import json
import sys
from difflib import get_close_matches
from typing import TYPE_CHECKING, Annotated

import click
import typer

from app.commands.common import open_workspace
from app.plain_text import printable
from retrieval.key_figures.items import ITEMS

if TYPE_CHECKING:
    from retrieval.key_figures.table import FiguresTable, Line

HELP = """Key figures of a company across every filing of it in the library: a line per
item (revenue, net income, capex, ...), a column per period in time order (FY2022, 2023Q2,
2023 9M), each value citing its filing and page.

\b
Example:
  $ archivist figures 3M --item capex
  3M                    Unit  FY2016            FY2017            FY2018
  Capital expenditures  $M    (1,420) [2 p.48]  (1,373) [1 p.60]  (1,577) [1 p.60]
                                                was (1,370) [2 p.52]
  [1] 3M_2018_10K   [2] 3M_2017_10K

Values are in the line's unit ($M: millions of dollars, $/share, M shares) as the filings
print them, negatives in parentheses; [N p.P] cites document N of the legend below the
table, page P (one-based, as every citation). A value two filings state differently (a
restatement) shows both, the newest first and the earlier one as "was ...".

--json: {company, periods, documents, items: [{item, title, unit, scale, values: [{period,
value, amount, unit, scale, label, document, page, restated, sources}]}]}; --csv: one row per
value. Figures are read at ingest; for filings ingested before that, `archivist reindex`.
Exit codes: 0 shown, 2 usage (unknown --item), 3 unknown company, 5 no figures."""


def figures(
    company: Annotated[str, typer.Argument(help="Company as its filings name it (3M, ACME).")],
    item: Annotated[str, typer.Option("--item", help=f"Only this item: {', '.join(ITEMS)}.")] = "",
    every: Annotated[
        bool, typer.Option("--all", help="Every printed line too, not only the core items.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per value.")] = False,
) -> None:
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    if item and item not in ITEMS:
        close = get_close_matches(item.lower(), list(ITEMS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise click.UsageError(f"no item '{item}'{hint}; the items are: {', '.join(ITEMS)}")
    if item and every:
        raise click.UsageError("give --item or --all, not both")
    from app.services.figures import CSV_COLUMNS, company_table, csv_rows, table_record

    workspace = open_workspace()
    try:
        table = company_table(workspace, company, item=item, every_label=every)
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(table_record(table), indent=2))
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_rows(table))
    else:
        for line in plain_table(table).splitlines():
            print(printable(line))


figures.__doc__ = HELP


def plain_table(table: FiguresTable) -> str:
    """Columns padded to their widest cell; a restated period takes a second line."""
    numbers = {m.id: n for n, m in enumerate(table.documents, start=1)}
    header = [f"{table.company}", "Unit", *table.periods]
    rows = [_row(line, table.periods, numbers) for line in table.lines]
    widths = [
        max(len(cell) for cell in [header[col], *(ln for row in rows for ln in row[col])])
        for col in range(len(header))
    ]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        for number_of_line in range(max(len(cell) for cell in row)):
            cells = [cell[number_of_line] if number_of_line < len(cell) else "" for cell in row]
            out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    legend = [f"[{numbers[m.id]}] {m.name}" for m in table.documents]
    return "\n".join([*out, "", "   ".join(legend)])


def _row(line: Line, periods: list[str], numbers: dict[str, int]) -> list[list[str]]:
    from app.services.figures import number, page_number, unit_label

    cells: list[list[str]] = [[line.title], [unit_label(line.unit, line.scale)]]
    for period in periods:
        values = line.cells.get(period, ())
        shown = []
        for place, value in enumerate(values):
            source = value.source
            cite = f"[{numbers[source.document_id]} p.{page_number(source)}]"
            text = f"{number(value.amount, line.scale)} {cite}"
            shown.append(text if place == 0 else f"was {text}")
        cells.append(shown or ["-"])
    return cells
