"""What a figure question asks for: the line items and computed metrics it names, and the
periods it names, read with a few plain patterns (no model).

"What was 3M's FY2018 capex?" asks for `capex` in `FY2018`; "gross margin in fiscal 2019"
for the metric `gross_margin`; "revenue growth from FY2017 to FY2018" for `growth` of
`revenue` between the two. A metric's words are taken before the items inside it ("capex
as a % of revenue" is one metric, not capex and revenue), and a longer item before a shorter
one ("total current liabilities" before "total liabilities"). Periods are spelt as the key
figures store spells them (`retrieval.key_figures.records`): "FY2018", "2023Q2", "2023 6M".
A question that names no period asks about its document's own (the caller's to supply).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.key_figures.metrics import AVERAGED, metric_items
from retrieval.question import QUARTER_WORDS

_CAPEX = (
    r"cap(?:ital)?[- ]?ex\b|capital\s+expenditures?|capital\s+spending|"
    r"(?:purchases?|payments?|additions?)\s+(?:of|for|to)\s+(?:pp&e|property,?\s+plant,?\s+"
    r"(?:and|&)\s+equipment|property\s+and\s+equipment)"
)
_REVENUE = r"(?:total\s+)?(?:net\s+)?(?:revenues?|sales)"

# Computed metrics: (name, pattern). Their operands come from the table (second_opinion.py).
METRICS: tuple[tuple[str, str], ...] = (
    ("capex_to_revenue", rf"(?:{_CAPEX})[\s-]*(?:as\s+an?\s+)?(?:%|percent(?:age)?|share|"
     rf"portion|proportion|ratio)?\s*(?:of|to)[\s-]+{_REVENUE}\b"),
    ("free_cash_flow",
     r"(?:free\s+cash[\s-]?flows?|\bfcf\b)(?!\s+(?:conversion|yield|margin|per)\b)"),
    ("operating_cash_flow_ratio", r"operating\s+cash\s+flow\s+ratio"),
    ("retention_ratio", r"retention\s+ratio"),
    ("return_on_assets", r"return\s+on\s+(?:average\s+)?(?:total\s+)?assets|\broa\b"),
    ("return_on_equity", r"return\s+on\s+(?:average\s+)?(?:\w+'?\s+)?equity|\broe\b"),
    ("fixed_asset_turnover", r"fixed\s+asset\s+turnover(?:\s+ratio)?"),
    ("asset_turnover", r"(?:total\s+)?asset\s+turnover(?:\s+ratio)?"),
    ("inventory_turnover", r"inventory\s+turnover(?:\s+ratio)?"),
    ("gross_margin", r"gross\s+(?:profit\s+)?margin"),
    ("operating_margin", r"operating\s+(?:profit\s+|income\s+)?(?:%\s+)?margin"),
    ("net_margin", r"net\s+(?:profit\s+|income\s+|earnings\s+)?margin"),
    ("current_ratio", r"current\s+ratio|working\s+capital\s+ratio"),
    ("debt_to_equity", r"debt[\s-]+to[\s-]+(?:total\s+)?(?:\w+'?\s+)?equity(?:\s+ratio)?"),
    ("liabilities_to_equity",
     r"liabilities[\s-]+to[\s-]+(?:total\s+)?(?:\w+'?\s+)?equity(?:\s+ratio)?"),
    ("dividend_payout", r"(?:dividend\s+)?pay[\s-]?out\s+ratio"),
    ("working_capital", r"working\s+capital"),
)  # fmt: skip

# Line items: (name as stored, pattern); the first to match a stretch of text takes it.
ITEM_WORDS: tuple[tuple[str, str], ...] = (
    ("capex", _CAPEX),
    ("cost_of_revenue", r"\bcogs\b|cost\s+of\s+(?:goods|products?)\s+sold|cost\s+of\s+"
     r"(?:net\s+)?(?:revenues?|sales)"),
    ("total_current_liabilities", r"(?:total\s+)?current\s+liabilities"),
    ("total_current_assets", r"(?:total\s+)?current\s+assets"),
    ("total_liabilities", r"total\s+liabilities"),
    ("total_assets", r"total\s+assets"),
    ("total_equity", r"total\s+(?:\w+'?\s+)?equity|(?:shareholders|stockholders)'?\s+equity"),
    ("ppe_net", r"(?:net\s+)?(?:pp&e|ppne)(?:,?\s+net)?|(?:net\s+)?property,?\s+plant,?\s+"
     r"(?:and|&)\s+equipment(?:,?\s+net)?|(?:net\s+)?property\s+and\s+equipment(?:,?\s+net)?"),
    ("dividends_paid", r"(?:cash\s+)?dividends?\s+(?:paid|payments?)|cash\s+dividends|"
     r"dividends?\s+(?:distributed|declared)|payments?\s+of\s+dividends"),
    ("operating_cash_flow", r"(?:net\s+)?cash\s+(?:flows?\s+)?(?:provided\s+by|from|generated"
     r"\s+(?:by|from))\s+(?:operating\s+activities|operations)|operating\s+cash\s+flows?|"
     r"cash\s+flows?\s+from\s+operations"),
    ("depreciation_amortization", r"depreciation\s+(?:and|&)\s+amortization|\bd&a\b"),
    ("diluted_eps", r"(?<!basic\s)(?:diluted\s+)?(?:eps\b|earnings\s+per\s+(?:diluted\s+)?share)"),
    ("net_income_attributable", r"net\s+(?:income|earnings)\s+attributable\s+to"),
    ("net_income", r"net\s+(?:income|earnings|profit)"),
    ("gross_profit", r"gross\s+profit"),
    ("operating_income", r"operating\s+(?:income|profit)|income\s+from\s+operations"),
    ("cash", r"cash\s+(?:and|&)\s+(?:cash\s+)?equivalents"),
    ("inventories", r"inventor(?:y|ies)(?!\s+(?:turnover|days|write|reserve|obsolescence))"),
    ("accounts_payable", r"accounts\s+payable"),
    ("revenue", r"(?<!deferred\s)(?<!unearned\s)(?:total\s+)?(?:net\s+)?revenues?"
     r"(?!\s+recognition)|(?:total\s+|net\s+)sales|\bsales\b(?!\s*(?:and|&|,|tax|force|"
     r"people|team|volume|channel|mix|of)\b)"),
)  # fmt: skip

GROWTH = re.compile(
    r"\b(?:growth|grow|grew|change|yoy|y/y|year[\s-]over[\s-]year)\b|\bhow\s+much\s+did\b.*"
    r"\b(?:increase|decrease|decline|rise|fall|drop)\b|\b(?:increase|decrease|decline)\s+in\b",
    re.IGNORECASE,
)
# A measure none of ours computes: its line items are operands, not what is asked ("inventory
# turnover", "free cash flow", "return on assets", a segment's figure, an adjusted one);
# metrics the question names still count.
OTHER_MEASURE = re.compile(
    r"\b(?:ratio|turnover|days|return\s+on|coverage|yield|multiple|per\s+employee|roa|roe|"
    r"roic|ebitda?|free\s+cash\s+flow|interest\s+expense|effective\s+tax|per\s+share\s+of|"
    r"segments?|regions?|regional|geographic\w*|divisions?|business\s+units?|"
    r"exclud\w*|adjusted|organic|non[\s-]?gaap|real|pro\s+forma|constant\s+currency)\b"
    r"|(?:as\s+an?\s+)?(?:%|percent(?:age)?)\s+of\b",
    re.IGNORECASE,
)
# A question about why, not how much: the table has no second opinion on a reason.
QUALITATIVE = re.compile(
    r"\b(?:what\s+drove|drivers?|why|reasons?|explain\w*|caused?|(?:were|are|is|was)\s+there\s+"
    r"any|events?)\b",
    re.IGNORECASE,
)
AVERAGE = re.compile(r"\b(?:average|avg|mean)\b", re.IGNORECASE)
CAGR = re.compile(r"\bcagr\b|compound(?:ed)?\s+annual\s+growth(?:\s+rate)?", re.IGNORECASE)
SPAN_YEARS = re.compile(r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)[\s-]+"
                        r"years?\b", re.IGNORECASE)  # fmt: skip
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}  # fmt: skip

PERIOD = re.compile(
    r"\bQ(?P<q1>[1-4])\s*(?:of\s+)?(?:FY|fiscal\s+(?:year\s+)?)?'?(?P<y1>(?:19|20)?\d\d)\b"
    r"|\b(?P<y2>(?:19|20)\d\d)\s*Q(?P<q2>[1-4])\b"
    r"|\b(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+(?:of\s+)?"
    r"(?:FY|fiscal\s+(?:year\s+)?)?(?P<y3>(?:19|20)\d\d)\b"
    r"|\b(?P<half>first\s+half|six\s+months|6M|H1|nine\s+months|9M)\s+(?:ended\s+\w*\s*\d*,?\s*"
    r"|of\s+(?:FY|fiscal\s+)?)?(?P<y4>(?:19|20)\d\d)\b"
    r"|\bFY\s?'?(?P<y5>(?:19|20)?\d\d)\b"
    r"|\bfiscal\s+(?:year\s+)?(?P<y6>(?:19|20)\d\d)\b"
    r"|(?<![\d$.,])(?P<y7>(?:19|20)\d\d)(?![\d%]|\.\d|,\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Asked:
    """One thing the question asks for: a line item, or a metric computed from items.
    `base` is the item a growth or CAGR is of; `years` the span a CAGR is over (0: from
    the periods named)."""

    name: str  # "capex", "gross_margin", "growth", "cagr"
    base: str = ""
    years: int = 0


@dataclass(frozen=True)
class FigureQuestion:
    asked: tuple[Asked, ...]
    periods: tuple[str, ...]  # in the order named; () when none is
    scale: float = 1.0  # what a bare amount of the answer is in: "(in USD billions)": 1e9

    def __bool__(self) -> bool:
        return bool(self.asked)


ANSWER_SCALE = re.compile(
    r"\b(?:in|of)\s+(?:units\s+of\s+)?(?:USD|US\$|\$|dollars)?\s*(thousands|millions|billions)\b",
    re.IGNORECASE,
)
SCALE_WORDS = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}


def answer_scale(question: str) -> float:
    """The scale the question asks amounts in ("Answer in USD billions": 1e9), else 1: an
    answer that follows it writes "$8.74" for 8,738 of a millions table."""
    match = ANSWER_SCALE.search(question)
    return SCALE_WORDS[match.group(1).lower()] if match else 1.0


def _year(text: str) -> int:
    digits = text.lstrip("'")
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def periods_in(question: str) -> tuple[str, ...]:
    """The periods a question names, in its order, each once: "FY2018", "2023Q2", "2023 6M"."""
    found: list[str] = []
    for m in PERIOD.finditer(question):
        if m.group("q1"):
            period = f"{_year(m.group('y1'))}Q{m.group('q1')}"
        elif m.group("q2"):
            period = f"{m.group('y2')}Q{m.group('q2')}"
        elif m.group("qw"):
            period = f"{m.group('y3')}Q{QUARTER_WORDS[m.group('qw').lower()]}"
        elif m.group("half"):
            nine = m.group("half").lower().startswith(("nine", "9"))
            period = f"{m.group('y4')} {'9M' if nine else '6M'}"
        else:
            year = m.group("y5") or m.group("y6") or m.group("y7")
            period = f"FY{_year(year)}"
        if period not in found:
            found.append(period)
    return tuple(found)


def _take(text: str, pattern: str) -> tuple[str, bool, int]:
    """`text` with every match of `pattern` blanked, whether it matched, and where first."""
    match = re.search(pattern, text, re.IGNORECASE)
    if match is None:
        return text, False, -1
    blanked = re.sub(pattern, lambda m: " " * len(m.group(0)), text, flags=re.IGNORECASE)
    return blanked, True, match.start()


def read_question(question: str) -> FigureQuestion:
    """The items, metrics and periods a question asks about; empty when it names none."""
    text = question
    asked: list[tuple[int, Asked]] = []
    if QUALITATIVE.search(question):
        return FigureQuestion((), periods_in(question), answer_scale(question))
    for name, pattern in METRICS:
        text, found, where = _take(text, pattern)
        if found:
            asked.append((where, Asked(name)))
    items: list[tuple[int, str]] = []
    if OTHER_MEASURE.search(text):
        return FigureQuestion(_ordered(asked), periods_in(question), answer_scale(question))
    for name, pattern in ITEM_WORDS:
        text, found, where = _take(text, pattern)
        if found:
            items.append((where, name))
    cagr = CAGR.search(question)
    if cagr or GROWTH.search(question):
        base = min(items)[1] if items else "revenue"
        span = SPAN_YEARS.search(question)
        years = 0
        if span:
            word = span.group(1).lower()
            years = NUMBER_WORDS.get(word) or int(word)
        kind = Asked("cagr", base, years) if cagr else Asked("growth", base)
        if items or cagr:  # a CAGR of nothing named is of revenue
            asked.append((min(where for where, _ in items) if items else 0, kind))
            items = []
    if AVERAGE.search(text):  # an average over years: none of ours but the averaged metrics
        asked = [(where, a) for where, a in asked if a.name in AVERAGED]
        items = []
    # The items a named metric reads are shown in its calculation, not again on their own.
    operands = {i for _, a in asked for i in metric_items(a.name, a.base)}
    asked += [(where, Asked(name)) for where, name in items if name not in operands]
    return FigureQuestion(_ordered(asked), periods_in(question), answer_scale(question))


def _ordered(asked: list[tuple[int, Asked]]) -> tuple[Asked, ...]:
    return tuple(dict.fromkeys(a for _, a in sorted(asked, key=lambda pair: pair[0])))
