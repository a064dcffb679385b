"""The core line items, by normalised name: what `KeyFigure.item` holds, what
`archivist figures --item` takes, and what an answer's second opinion looks up.

How a printed row label maps to one of these is the extractor's (`labels.py`); how a
question names one is the second opinion's. The names are short and stable: they are
stored in the catalogue and typed by users.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.statements import Statement


@dataclass(frozen=True)
class Item:
    name: str  # stored and typed: "capex"
    title: str  # shown: "Capital expenditures"
    statement: Statement


ITEMS: dict[str, Item] = {
    item.name: item
    for item in (
        Item("revenue", "Revenue / net sales", Statement.INCOME),
        Item("cost_of_revenue", "Cost of revenue", Statement.INCOME),
        Item("gross_profit", "Gross profit", Statement.INCOME),
        Item("operating_income", "Operating income", Statement.INCOME),
        Item("net_income", "Net income", Statement.INCOME),
        Item("net_income_attributable", "Net income attributable to the company", Statement.INCOME),
        Item("diluted_eps", "Diluted EPS", Statement.INCOME),
        Item("depreciation_amortization", "Depreciation and amortization", Statement.CASH_FLOW),
        Item("total_assets", "Total assets", Statement.BALANCE),
        Item("total_current_assets", "Total current assets", Statement.BALANCE),
        Item("total_liabilities", "Total liabilities", Statement.BALANCE),
        Item("total_current_liabilities", "Total current liabilities", Statement.BALANCE),
        Item("total_equity", "Total equity", Statement.BALANCE),
        Item("cash", "Cash and cash equivalents", Statement.BALANCE),
        Item("inventories", "Inventories", Statement.BALANCE),
        Item("accounts_payable", "Accounts payable", Statement.BALANCE),
        Item("ppe_net", "Property, plant and equipment, net", Statement.BALANCE),
        Item("operating_cash_flow", "Net cash from operating activities", Statement.CASH_FLOW),
        Item("capex", "Capital expenditures", Statement.CASH_FLOW),
        Item("dividends_paid", "Dividends paid", Statement.CASH_FLOW),
    )
}
