"""A printed row label as one of the core items (`items.py`), and the unit its numbers are in.

Filers name the same line many ways ("Net sales", "Total net revenue", "NET OPERATING
REVENUES"; "Purchases of property, plant and equipment (PP&E)", "Additions to property
and equipment", "Capital expenditures"), so each item is a pattern over the label
lower-cased, its note references and leader dots removed. A pattern only matches on the
item's own statement: "Net income" opens the cash flow statement too, and "Depreciation
and amortization" is an expense line of some income statements. Per-share and share-count
rows are told apart by their label, else by the heading above them ("Diluted" under
"Net income per share:").
"""

from __future__ import annotations

import re

from retrieval.key_figures.items import ITEMS
from retrieval.statements import Statement

_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "revenue": r"^(total )?(net )?(operating )?(revenues?|sales)(, net)?$"
        r"|^total (net )?(operating )?revenues?( and other income)?$|^total net sales$"
        r"|^sales to customers$|^net revenues?$",
        "cost_of_revenue": r"^(total )?cost of (revenues?|sales|goods sold|products sold)$",
        "gross_profit": r"^gross (profit|margin)$",
        "operating_income": r"^(total )?operating (income|profit|earnings)( \(loss\))?$"
        r"|^operating (loss|\(loss\) income)$|^(income|earnings) (\(loss\) )?from operations$"
        r"|^operating income \(loss\)$",
        "net_income": r"^(consolidated )?net (income|earnings|loss)( \(loss\))?"
        r"(,? including (earnings attributable to )?(redeemable )?(and )?noncontrolling.*)?$"
        r"|^net (income|earnings) before allocation to noncontrolling interests?$",
        "net_income_attributable": r"^net (income|earnings|loss)( \(loss\))? attributable to"
        r" (?!non-?controlling|redeemable|participating)",
        "diluted_eps": r"diluted",
        "total_assets": r"^total assets$",
        "total_current_assets": r"^total current assets$",
        "total_liabilities": r"^total liabilities$",
        "total_current_liabilities": r"^total current liabilities$",
        # "Total liabilities and shareholders' equity" is the balance sheet's other total; a
        # condensed one (an earnings release) may print its equity as a plain line.
        "total_equity": r"^total (?!liabilities)(\w+\.? ){0,3}(shareholders|stockholders|"
        r"share ?owners)['’]? (equity|investment)( \(deficit\))?$|^total equity( \(deficit\))?$"
        r"|^(shareholders|stockholders|share ?owners)['’]? equity$",
        "cash": r"^cash and (cash )?equivalents$",
        "inventories": r"^(total )?(merchandise )?inventor(y|ies)(, net)?$",
        "accounts_payable": r"^(trade )?accounts payable(, trade)?$|^trade payables$",
        "ppe_net": r"^(net )?property,? (plant,? )?and equipment(, net| ?[—–-]+ ?net)"
        r"(?! of accumulated)|^property,? (plant,? )?and equipment,? (net|less) (of )?accumulated"
        r"|^net property,? (plant,? )?and equipment$|^property,? (plant,? )?and equipment, net$"
        r"|^land, buildings,? and equipment(, net)?$"
        r"|^property,? (plant,? )?and equipment$",  # net where no gross is printed: `rank`
        "operating_cash_flow": r"^(net |total )?cash (flows? )?(provided by|from|used in|"
        r"\(used in\) provided by|provided by \(used (in|for)\)|provided by/\(used in\)|"
        r"generated (by|from))( continuing)? operat(ing activities|ions)$"
        r"|^net cash (provided by )?operating activities$",
        "capex": r"^(purchases?|additions?|payments?|expenditures?) (of|to|for) (property|land"
        r"|premises|plant|fixed assets)|^capital expenditures$"
        r"|^property,? plant and equipment additions$",
        "dividends_paid": r"^(cash )?dividends paid( to (common )?(share|stock)holders)?$"
        r"|^(cash )?dividends( [—–-]+ common( and preferred)?| on common stock)?$"
        r"|^(common stock )?(cash )?dividends paid$|^payments? of (cash )?dividends"
        r"( to (common )?(share|stock)holders)?$|^dividends paid on common stock$",
        "depreciation_amortization": r"^depreciation(, depletion)? (and|&) amortization"
        r"|^depreciation, amortization",
    }.items()
}
_NOTE = re.compile(r"\s*\((notes? [\w ,and]+|pp&e)\)", re.I)
_PER_SHARE = re.compile(r"per (common |diluted |basic )?share|\beps\b", re.I)
_SHARES = re.compile(r"\bshares\b", re.I)
_SHARE_COUNT = re.compile(
    r"^(weighted|average|number of|shares (used|outstanding))|\bshares (used|outstanding)\b", re.I
)


def clean(label: str) -> str:
    """The label as patterns see it: lower-case, no note references, no trailing colon."""
    text = _NOTE.sub("", label).lower().replace("’", "'")
    text = re.sub(r"\s+", " ", text).strip(" .:$")
    return text


def unit(label: str, heading: str, statement: Statement) -> str:
    """ "USD/share" for a per-share row, "shares" for a share count, else "USD"."""
    if statement == Statement.INCOME and _SHARE_COUNT.search(label):
        return "shares"  # "Shares used to compute basic net income per share"
    if _PER_SHARE.search(label):
        return "USD/share"
    if statement == Statement.INCOME and _SHARES.search(label):
        return "shares"
    if statement == Statement.INCOME and _SHARE_COUNT.search(heading):
        return "shares"  # "Basic" under "Weighted-average shares used to compute ... per share:"
    if _PER_SHARE.search(heading):
        return "USD/share"
    if statement == Statement.INCOME and _SHARES.search(heading):
        return "shares"
    return "USD"


def item(label: str, heading: str, statement: Statement, row_unit: str) -> str:
    """The core item a row is, or ""."""
    text = clean(label)
    if row_unit == "shares":
        return ""
    if row_unit == "USD/share":
        both = f"{clean(heading)} {text}"
        if statement == Statement.INCOME and "diluted" in both and "discontinued" not in text:
            return "diluted_eps"
        return ""
    for name, pattern in _PATTERNS.items():
        if name != "diluted_eps" and ITEMS[name].statement == statement and pattern.search(text):
            return name
    return ""


def rank(label: str) -> int:
    """Which of several rows of one item in one statement column stands for it (lowest):
    a "Total ..." row over its heading's row, a net figure over one from continuing
    operations, a plain "Property, plant and equipment" (net when the balance sheet prints
    no gross) last."""
    text = clean(label)
    plain = bool(re.fullmatch(r"property,? (plant,? )?and equipment", text))
    return (0 if text.startswith("total") else 1) + (2 if "continuing" in text else 0) + 4 * plain
