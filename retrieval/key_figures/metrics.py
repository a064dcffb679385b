"""Metrics computed from the key figures table, each with its calculation written the way
the prompt asks the model to write one (`Calculation: a / b = c`, retrieval/calculations.py):
the analyst sees which line, period and value went in, and the line is one the calculation
check reads ("FY2023 gross profit 4,000 / FY2023 revenue 10,000 = 40.0%").

Values go in as printed, in the table's scale; outflows (capex, dividends paid) by their
size, as an analyst writes "capex was 4.8% of revenue".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.key_figures.records import KeyFigure

OUTFLOWS = frozenset({"capex", "dividends_paid"})  # printed negative, spoken of by size
PERCENT_UNIT, RATIO_UNIT = "%", "ratio"

Lookup = Callable[[str, str], KeyFigure | None]  # (item, period) -> the table's figure

# name: (title, unit, operands: each a list of alternatives, first present wins)
METRIC_PARTS: dict[str, tuple[str, str, tuple[tuple[str, ...], ...]]] = {
    "gross_margin": ("Gross margin", PERCENT_UNIT, (("gross_profit",), ("revenue",))),
    "operating_margin": ("Operating margin", PERCENT_UNIT, (("operating_income",), ("revenue",))),
    "net_margin": (
        "Net margin", PERCENT_UNIT, (("net_income_attributable", "net_income"), ("revenue",))
    ),
    "current_ratio": (
        "Current ratio", RATIO_UNIT, (("total_current_assets",), ("total_current_liabilities",))
    ),
    "liabilities_to_equity": (
        "Liabilities to equity", RATIO_UNIT, (("total_liabilities",), ("total_equity",))
    ),
    "debt_to_equity": ("Debt to equity", RATIO_UNIT, (("total_debt",), ("total_equity",))),
    "capex_to_revenue": ("Capex as % of revenue", PERCENT_UNIT, (("capex",), ("revenue",))),
    "dividend_payout": (
        "Dividend payout ratio", PERCENT_UNIT,
        (("dividends_paid",), ("net_income_attributable", "net_income")),
    ),
    "working_capital": (
        "Working capital", "", (("total_current_assets",), ("total_current_liabilities",))
    ),
    "free_cash_flow": ("Free cash flow", "", (("operating_cash_flow",), ("capex",))),
    "operating_cash_flow_ratio": (
        "Operating cash flow ratio", RATIO_UNIT,
        (("operating_cash_flow",), ("total_current_liabilities",)),
    ),
    "retention_ratio": (
        "Retention ratio", RATIO_UNIT,
        (("dividends_paid",), ("net_income_attributable", "net_income")),
    ),
    "return_on_assets": (
        "Return on assets", PERCENT_UNIT,
        (("net_income_attributable", "net_income"), ("total_assets",)),
    ),
    "return_on_equity": (
        "Return on equity", PERCENT_UNIT,
        (("net_income_attributable", "net_income"), ("total_equity",)),
    ),
    "fixed_asset_turnover": ("Fixed asset turnover", RATIO_UNIT, (("revenue",), ("ppe_net",))),
    "asset_turnover": ("Asset turnover", RATIO_UNIT, (("revenue",), ("total_assets",))),
    "inventory_turnover": (
        "Inventory turnover", RATIO_UNIT, (("cost_of_revenue",), ("inventories",))
    ),
}  # fmt: skip
SUBTRACTED = frozenset({"working_capital", "free_cash_flow"})  # top - bottom, not top / bottom
ONE_LESS = frozenset({"retention_ratio"})  # 1 - top / bottom
# top / the average of bottom at the period's start and end (the prior period's end)
AVERAGED = frozenset(
    {"return_on_assets", "return_on_equity", "fixed_asset_turnover", "asset_turnover",
     "inventory_turnover"}
)  # fmt: skip


def metric_items(name: str, base: str = "") -> set[str]:
    """The line items a metric reads (growth and CAGR read their base item)."""
    if name in ("growth", "cagr"):
        return {base}
    if name in METRIC_PARTS:
        return {item for alternatives in METRIC_PARTS[name][2] for item in alternatives}
    return {name}


@dataclass(frozen=True)
class Computed:
    title: str
    value: float  # in `unit`: percent points for "%", a plain number for a ratio
    unit: str  # "%", "ratio", or the operands' unit (working capital)
    calculation: str  # "Calculation: ... = ..."
    operands: tuple[KeyFigure, ...]
    alternative: float | None = None  # growth: the change as an amount, in the table's scale


def printed(value: float) -> str:
    """A table value as an analyst writes it: "1,577", "3.12", "-500"."""
    if abs(value - round(value)) < 1e-9:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _term(figure: KeyFigure) -> str:
    words = figure.item.replace("_", " ").replace("ppe", "PP&E").replace("eps", "EPS")
    value = abs(figure.value) if figure.item in OUTFLOWS else figure.value
    return f"{figure.period} {words} {printed(value)}"


def _size(figure: KeyFigure) -> float:
    return abs(figure.value) if figure.item in OUTFLOWS else figure.value


def _result(value: float, unit: str) -> str:
    if unit == PERCENT_UNIT:
        return f"{value:,.1f}%"
    if unit == RATIO_UNIT:
        return f"{value:,.2f}"
    return printed(round(value, 2))


def compute(name: str, period: str, lookup: Lookup) -> Computed | None:
    """One named metric for one period, or None when the table lacks an operand (or a
    divisor is zero, or the operands are printed at different scales)."""
    title, unit, parts = METRIC_PARTS[name]
    operands: list[KeyFigure] = []
    for alternatives in parts:
        found = next((f for item in alternatives if (f := lookup(item, period)) is not None), None)
        if found is None:
            return None
        operands.append(found)
    top, bottom = operands
    if top.scale != bottom.scale:
        return None
    if name in SUBTRACTED:
        value = _size(top) - _size(bottom)
        body = f"{_term(top)} - {_term(bottom)} = {_result(value, unit)}"
        return Computed(title, value, top.unit, f"Calculation: {body}", (top, bottom))
    divisor, below = _size(bottom), _term(bottom)
    if name in AVERAGED:
        before = lookup(bottom.item, shift(period, 1))
        if before is None or before.scale != bottom.scale:
            return None
        divisor, below = (_size(bottom) + _size(before)) / 2, f"(({below} + {_term(before)}) / 2)"
        operands.append(before)
    if divisor == 0:
        return None
    value = _size(top) / divisor * (100 if unit == PERCENT_UNIT else 1)
    body = f"{_term(top)} / {below}"
    if name in ONE_LESS:
        value, body = 1 - value, f"1 - {body}"
    body += f" = {_result(value, unit)}"
    return Computed(title, value, unit, f"Calculation: {body}", tuple(operands))


def shift(period: str, years: int) -> str:
    """The same period `years` earlier: FY2018 -> FY2017, 2023Q2 -> 2022Q2."""
    if period.startswith("FY"):
        return f"FY{int(period[2:]) - years}"
    match = re.fullmatch(r"(\d{4})(.*)", period)
    return f"{int(match.group(1)) - years}{match.group(2)}" if match else period


def compute_growth(item: str, start: str, end: str, lookup: Lookup) -> Computed | None:
    """The change of a line item from `start` to `end`, in percent of the start."""
    first, last = lookup(item, start), lookup(item, end)
    if first is None or last is None or first.scale != last.scale or _size(first) == 0:
        return None
    value = (_size(last) - _size(first)) / abs(_size(first)) * 100
    body = f"({_term(last)} - {_term(first)}) / {_term(first)} = {_result(value, PERCENT_UNIT)}"
    title = f"{item.replace('_', ' ')} growth {start} to {end}"
    change = _size(last) - _size(first)
    return Computed(title, value, PERCENT_UNIT, f"Calculation: {body}", (first, last), change)


def compute_cagr(item: str, start: str, end: str, years: int, lookup: Lookup) -> Computed | None:
    """The compound annual growth of a line item over `years` years."""
    first, last = lookup(item, start), lookup(item, end)
    if first is None or last is None or years <= 0 or first.scale != last.scale:
        return None
    if _size(first) <= 0 or _size(last) <= 0:
        return None
    value = ((_size(last) / _size(first)) ** (1 / years) - 1) * 100
    body = f"({_term(last)} / {_term(first)}) ^ (1 / {years}) - 1 = {_result(value, PERCENT_UNIT)}"
    title = f"{item.replace('_', ' ')} CAGR {start} to {end}"
    return Computed(title, value, PERCENT_UNIT, f"Calculation: {body}", (first, last))
