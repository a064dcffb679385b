"""One value of one line item in one period column of a primary statement, with its page.

`value` is the number as printed, signed (parentheses are negative), in the table's stated
scale ("in millions": 1e6), so `amount` is the value in `unit`s. `period` is the column's
period in one spelling across filings, that of `ingestion.records.fiscal_period`: "FY2018" for
a fiscal year (a balance sheet column at its end too), "2023Q2" for a quarter (three months
ended, or a balance at the quarter's end), "2023 6M" / "2023 9M" for a year to date;
`header` is the column header as printed. `item` is the normalised name of a core
line item ("revenue", "capex", ...; `items.py`) or "" for any other row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyFigure:
    document_id: str
    statement: str  # retrieval.statements.Statement value
    page: int  # zero-based page index, as the catalogue stores pages
    row: int  # the line's order in its statement (over continued pages; from a base per statement)
    column: int  # the period column's order, left to right
    label: str  # the row label as printed
    item: str  # normalised core item name, "" when the row is not one
    period: str  # "FY2018", "2023Q2", "2023 9M"
    period_end: str  # ISO date the column ends (or stands at), "" when not printed
    header: str  # the column header as printed ("2018", "December 31, 2018")
    value: float  # as printed, signed, in `scale`
    scale: float  # 1, 1e3, 1e6, 1e9: what "in millions" states
    unit: str  # "USD", "USD/share", "shares", "%" ...

    @property
    def amount(self) -> float:
        """The value in `unit`s (dollars, not millions of dollars)."""
        return self.value * self.scale
