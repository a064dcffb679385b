"""The claims of bench/figures.py, written from a page's own numbers.

The page is read here by a plain token scan, independent of the checker under test
(retrieval/figure_units.py), so a right claim is right by the page and a wrong one is
kept only when no number on the page could make it true at any scale.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

TOKEN = re.compile(
    r"(?<![\w.,/(])(?P<open>\()?(?P<cur>\$)?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+)(?P<close>\))?(?![\w.,]?\d)"
    r"(?P<pct>\s?%|\s?percent\b)?"
)
REFERENCE_BEFORE = re.compile(
    r"(?:Notes?|Items?|Exhibits?|No\.|Sections?|Levels?|Forms?|pages?|p\.)\s*$", re.I
)
REFERENCE = re.compile(r"\b(?:Note|Item)\s+(\d{1,2})\b(?![.,]\d)")
YEAR = re.compile(r"(?<![\w.,$])((?:199|20[0-3])\d)(?![\w.,%])")
MILLIONS = re.compile(r"in millions|\(millions\)|\$ millions|\$ in millions", re.I)
OTHER_SCALES = re.compile(r"thousands|billions|\(000", re.I)
PERCENT_LINE = re.compile(r"%|percent", re.I)
NEGATIVE_WORDS = re.compile(r"loss|decrease|decline|lower|deficit|\(", re.I)
HEADER_YEARS = re.compile(r"(?<![\w.,$])(20[0-3]\d)(?![\w.,%])")


@dataclass(frozen=True)
class Token:
    text: str  # the number as written, without parentheses or %
    value: float
    decimals: int
    negative: bool
    percent: bool
    dollar: bool
    line: str
    start: int
    end: int
    position: int  # its place among the numbers of its line
    reference: bool  # "Note 12", "Exhibit 10.4": a reference, not an amount


def tokens(page: str) -> list[Token]:
    out = []
    offset = 0
    for line in page.split("\n"):
        for position, m in enumerate(TOKEN.finditer(line)):
            num = m.group("num")
            raw = num.replace(",", "")
            out.append(
                Token(
                    num,
                    float(raw),
                    len(raw.split(".")[1]) if "." in raw else 0,
                    bool(m.group("open") and m.group("close")),
                    bool(m.group("pct")),
                    bool(m.group("cur")),
                    line,
                    offset + m.start("num"),
                    offset + m.end("num"),
                    position,
                    bool(REFERENCE_BEFORE.search(line[: m.start()])),
                )
            )
        offset += len(line) + 1
    return out


def amounts(toks: list[Token]) -> list[Token]:
    """Plain amounts an analyst would quote: 1,000 and up or with decimals, not a year,
    not on a line that speaks of percentages, not a reference."""
    return [
        t
        for t in toks
        if not t.percent
        and not t.reference
        and not PERCENT_LINE.search(t.line)
        and ("," in t.text or (t.decimals and t.value >= 1))
    ]


def written(value: float, decimals: int, commas: bool = True) -> str:
    return f"{value:,.{decimals}f}" if commas else f"{value:.{decimals}f}"


def absent(toks: list[Token], value: float, step: float, percent: bool | None = None) -> bool:
    """No number on the page is `value` at any scale (within the claim's rounding)."""
    for t in toks:
        # A bare number on a line that speaks of % may be a percentage.
        maybe_percent = t.percent or bool(PERCENT_LINE.search(t.line))
        if percent is True and not maybe_percent:
            continue
        if percent is False and t.percent:
            continue
        for scale in (1e-3, 1.0, 1e3, 1e6, 1e9, 1e12):
            if abs(t.value * scale - abs(value)) <= step / 2 + 1e-9 * abs(value):
                return False
    return True


@dataclass(frozen=True)
class Case:
    group: str  # "verify", "reject", "computed", "not computed"
    name: str
    claim: str
    page: str
    label: str = ""


Maker = Callable[[str, list[Token], random.Random], list[Case]]


def figure_cases(page: str, toks: list[Token], rng: random.Random) -> list[Case]:
    out: list[Case] = []
    plain = [t for t in amounts(toks) if not t.negative]
    negatives = [t for t in amounts(toks) if t.negative]
    percents = [t for t in toks if t.percent and t.value > 0]
    millions = bool(MILLIONS.search(page)) and not OTHER_SCALES.search(page)

    def add(group: str, name: str, claim: str, text: str = page) -> None:
        out.append(Case(group, name, claim, text))

    for t in plain:
        add("verify", "as written", f"The line item was {'$' if t.dollar else ''}{t.text}.")
        if "," in t.text:
            split = page[: t.start] + t.text.replace(",", ",\n", 1) + page[t.end :]
            add("verify", "split across a line", f"It was {t.text}.", split)
        if millions and t.value >= 1000 and not t.decimals:
            add("verify", "millions as $X.Y billion", f"It was ${t.value / 1000:.1f} billion.")
            factor = rng.choice((0.89, 1.07, 1.23))
            wrong = round(t.value * factor / 1000, 1)
            if absent(toks, wrong * 1e9, 1e8, False):
                add("reject", "wrong $X.Y billion", f"It was ${wrong:.1f} billion.")
            big = "billion" if rng.random() < 0.5 else "thousand"
            scale = 1e9 if big == "billion" else 1e3
            claimed = t.value * scale
            if not re.search(big, page, re.I) and not any(
                abs(x.value * s - claimed) < scale / 2 for x in toks for s in (1.0, 1e6)
            ):
                add("reject", "scale 1,000x", f"It was ${t.text} {big}.")
        factor = rng.choice((0.89, 1.07, 1.23))
        moved = written(t.value * factor, t.decimals)
        if absent(toks, t.value * factor, 10**-t.decimals):
            add("reject", "moved number", f"The line item was {moved}.")
        if absent(toks, t.value, 10**-t.decimals, True):
            add("reject", "bare number as %", f"The rate was {t.text}%.")
        negative_somewhere = any(
            x.value == t.value and (x.negative or NEGATIVE_WORDS.search(x.line)) for x in toks
        )
        if not negative_somewhere:
            flip = rng.choice(("a decrease of {}", "-{}", "({})"))
            add("reject", "sign flip", "It was " + flip.format(t.text) + ".")
        if "bps" not in page and "basis point" not in page:
            add("reject", "basis points", f"It changed {t.text} bps.")
    for t in negatives:
        add(
            "verify",
            "negative as written",
            rng.choice(("A decrease of {}.", "It was ({}).")).format(t.text),
        )
        add("verify", "outflow written unsigned", f"It was {t.text}.")
        if not any(x.value == t.value and not x.negative for x in toks):
            add("reject", "sign flip", f"It was an increase of {t.text}.")
    for t in percents:
        add("verify", "percentage", f"The rate was {t.text}%.")
        if t.decimals:
            add("verify", "percentage rounded", f"The rate was {t.value:.{t.decimals - 1}f}%.")
        factor = rng.choice((0.89, 1.07, 1.23))
        moved = round(t.value * factor, t.decimals)
        if absent(toks, moved, 10**-t.decimals, True):
            add("reject", "moved percentage", f"The rate was {written(moved, t.decimals)}%.")
        if absent(toks, t.value * 1e6, 1e6 * 10**-t.decimals, False):
            add("reject", "percentage as $ million", f"It was ${t.text} million.")
        high = t.value + rng.choice((1, 2, 3))
        if absent(toks, high, 10**-t.decimals, True):
            hi = written(high, t.decimals)
            add("reject", "range", f"Growth of {t.text}-{hi}% is expected.")
        if "bps" not in page and "basis point" not in page:
            add("reject", "basis points", f"It improved {t.text} basis points.")
    for m in REFERENCE.finditer(page):
        n = float(m.group(1))
        if absent(toks, n, 1.0, True) and not any(
            abs(t.value - n) < 0.5 for t in toks if PERCENT_LINE.search(t.line)
        ):
            add("reject", "note or item number as %", f"It rose {m.group(1)}%.")
    for m in YEAR.finditer(page):
        y = float(m.group(1))
        amounts_only = [t for t in toks if not YEAR.fullmatch(t.text)]
        if absent(amounts_only, y * 1e6, 1e6, False) and f"{y:,.0f}" not in page:
            add("reject", "year as amount", f"It was ${y:,.0f} million.")
    if plain:
        k = rng.choice(plain)
        add("reject", "page references", f"See p. {int(k.value) % 50 + 1} and page 12.")
    return out


def rows(toks: list[Token]) -> dict[str, list[Token]]:
    by_line: dict[str, list[Token]] = defaultdict(list)
    for t in amounts(toks):
        if not t.negative and t.value >= 10:
            by_line[t.line].append(t)
    return {line: ts for line, ts in by_line.items() if len(ts) >= 2}


def header_years(page: str, row: str) -> list[str]:
    """The years heading the row's columns: the nearest line above it, at most 15 lines up,
    made of two or more years and nothing else numeric (none when there is no such line)."""
    lines = page.split("\n")
    if row not in lines:
        return []
    at = lines.index(row)
    for line in reversed(lines[max(0, at - 15) : at]):
        years = HEADER_YEARS.findall(line)
        rest = HEADER_YEARS.sub("", line)
        if len(years) >= 2 and len(set(years)) == len(years) and not re.search(r"\d", rest):
            return years
    return []


def calc_cases(page: str, toks: list[Token], rng: random.Random) -> list[Case]:
    out: list[Case] = []
    table = list(rows(toks).values())
    if len(table) < 2:
        return out
    for _ in range(6):
        row, other = rng.sample(table, 2)
        a, b = row[0], row[1]
        c = other[0]
        years = header_years(page, a.line)
        kinds = {
            "percent change": (
                f"({a.text} - {b.text}) / {b.text}",
                (a.value - b.value) / b.value,
                "%",
            ),
            "ratio": (f"{c.text} / {a.text}", c.value / a.value, ""),
            "margin": (f"{a.text} / {c.text} * 100", a.value / c.value * 100, "%*"),
            "average": (f"({a.text} + {b.text}) / 2", (a.value + b.value) / 2, ""),
            "turnover": (
                f"{c.text} / (({a.text} + {b.text}) / 2)",
                c.value / ((a.value + b.value) / 2),
                "",
            ),
        }
        name = rng.choice(sorted(kinds))
        expr, value, unit = kinds[name]
        if abs(value) < 0.05 or a.value == b.value:
            continue
        shown = value * 100 if unit == "%" else value
        sign = "%" if unit else ""
        good = f"Calculation: {expr} = {shown:,.2f}{sign}"
        out.append(Case("computed", f"right {name}", good, page))
        off = shown * rng.choice((0.8, 0.9, 1.1, 1.25))
        if abs(off - shown) > 0.011:  # wrong beyond the 2-decimal rounding it is written with
            out.append(
                Case(
                    "not computed",
                    "wrong arithmetic",
                    f"Calculation: {expr} = {off:,.2f}{sign}",
                    page,
                )
            )
        moved = a.value * rng.choice((0.89, 1.07, 1.23))
        if absent(toks, moved, 10**-a.decimals):
            bad = written(moved, a.decimals)
            w_expr = expr.replace(a.text, bad, 1)
            w_value = _recompute(name, moved, a, b, c)
            w_shown = w_value * 100 if unit == "%" else w_value
            out.append(
                Case(
                    "not computed",
                    "wrong operand",
                    f"Calculation: {w_expr} = {w_shown:,.2f}{sign}",
                    page,
                )
            )
        once = sum(1 for t in toks if t.value == b.value) == 1
        if years and len(years) == len(row) and a.position == 0 and b.position == 1 and once:
            # The right line item from another year's column, labelled with the year asked.
            label = years[0]
            right_y = f"Calculation: {label} {a.text} / {label} {c.text} = {a.value / c.value:,.2f}"
            if c.position == 0 and len(other) == len(years) and header_years(page, c.line) == years:
                out.append(Case("computed", "right, operands labelled by year", right_y, page))
            expr_y = f"{label} {b.text} / {label} {c.text}"
            out.append(
                Case(
                    "not computed",
                    "operand from another year",
                    f"Calculation: {expr_y} = {b.value / c.value:,.2f}",
                    page,
                )
            )
    return out


def _recompute(name: str, a_value: float, a: Token, b: Token, c: Token) -> float:
    return {
        "percent change": lambda: (a_value - b.value) / b.value,
        "ratio": lambda: c.value / a_value,
        "margin": lambda: a_value / c.value * 100,
        "average": lambda: (a_value + b.value) / 2,
        "turnover": lambda: c.value / ((a_value + b.value) / 2),
    }[name]()
