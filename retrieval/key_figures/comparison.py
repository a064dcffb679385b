"""The answer's figure beside the table's: `agrees` when a figure the answer states is the
table's value by the figure check's unit rules (retrieval/figure_units.py: "$1,577 million",
"$1.58 billion" and a bare "1,577" all state a 1,577 of a millions table; an outflow printed
"(1,577)" is stated by its size), `differs` when it states another figure of the same kind,
`not_stated` when it states none."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from retrieval.calculations import calculation_spans
from retrieval.figure_units import AMOUNT, PERCENT, Figure, figures_in, matches
from retrieval.figures import claim_figures
from retrieval.key_figures.metrics import OUTFLOWS, PERCENT_UNIT
from retrieval.key_figures.opinion import AGREES, DIFFERS, NOT_STATED, Opinion
from retrieval.key_figures.question import ITEM_WORDS, METRICS


def answer_figures(answer: str) -> list[Figure]:
    """What the answer states: its claims' figures and the results of its calculations."""
    found = claim_figures(answer)
    for start, end in calculation_spans(answer):
        body = answer[start:end]
        if "=" in body:
            cut = body.rindex("=") + 1
            found += [replace(f, start=f.start + start + cut, end=f.end + start + cut)
                      for f in figures_in(body[cut:], skip_years=False)]  # fmt: skip
    return sorted(found, key=lambda f: f.start)


def _expected(opinion: Opinion, asked_in: float) -> list[tuple[Figure, tuple[float, ...]]]:
    """The table's figure(s) a claim may state, with the scales they may be written in
    (`asked_in`: the scale the question asked amounts in, for a bare one)."""
    if opinion.unit == PERCENT_UNIT:
        out: list[tuple[Figure, tuple[float, ...]]] = [
            (Figure("", opinion.value, 0.0, True, kind=PERCENT), (1.0,))
        ]
        if opinion.change is not None:  # growth: the change as an amount agrees too
            scale = opinion.operands[0].scale
            out.append((Figure("", opinion.change, 0.0, False), (1.0, scale)))
        return out
    fixed = opinion.unit == "ratio" or "/" in opinion.unit
    value = abs(opinion.value) if opinion.item in OUTFLOWS else opinion.value
    scales = (1.0, opinion.scale) + ((opinion.scale / asked_in,) if asked_in != 1.0 else ())
    return [(Figure("", value, 0.0, False, fixed=fixed), scales)]


def _states(claim: Figure, opinion: Opinion, asked_in: float) -> bool:
    if opinion.item in OUTFLOWS:
        claim = replace(claim, sign="", value=abs(claim.value))
    # A ratio may be written as a percentage ("66%" for 0.66), a percentage as a decimal
    # ("0.014" for 1.4%), as the question asked it.
    if opinion.unit == "ratio" and claim.kind == PERCENT:
        claim = replace(claim, kind=AMOUNT, percent=False, value=claim.value / 100,
                        step=claim.step / 100)  # fmt: skip
    elif opinion.unit == PERCENT_UNIT and _decimal(claim):
        claim = replace(claim, kind=PERCENT, percent=True, value=claim.value * 100,
                        step=claim.step * 100)  # fmt: skip
    expected = _expected(opinion, asked_in)
    return any(matches(claim, figure, scales) for figure, scales in expected)


def _decimal(claim: Figure) -> bool:
    """A bare number with decimals below one: "0.54", never "$0.54" or "5"."""
    bare = claim.kind == AMOUNT and not claim.scaled and "$" not in claim.text
    return bare and "." in claim.text and abs(claim.value) < 1


def _rival(claim: Figure, opinion: Opinion) -> bool:
    """A figure the answer may state in the table value's place: of its kind and, for an
    amount of money, written as one ("$1.2 billion", "1,577", "412.5"), never the "12" of
    "12 months" or the "3" of "3 segments"."""
    if claim.kind != (PERCENT if opinion.unit == PERCENT_UNIT else AMOUNT):
        return False
    if claim.kind != AMOUNT or opinion.unit == "ratio":
        return True
    text = claim.text
    return claim.scaled or "$" in text or "," in text or "." in text or abs(claim.value) >= 100


def _mention(answer: str, item: str) -> int:
    patterns = dict(ITEM_WORDS) | dict(METRICS)
    pattern = patterns.get(item)
    match = re.search(pattern, answer, re.IGNORECASE) if pattern else None
    return match.start() if match else -1


def compare(opinions: Iterable[Opinion], answer: str, asked_in: float = 1.0) -> list[Opinion]:
    """Each opinion with its verdict: `agrees` when a figure of the answer states the
    table's value, `differs` when the answer states a figure of the same kind that no
    asked value accounts for (the one nearest after the item's name), else `not_stated`."""
    opinions = list(opinions)
    claims = answer_figures(answer)
    backing = [[c for c in claims if _states(c, o, asked_in)] for o in opinions]
    accounted = {id(c) for found in backing for c in found}
    used: set[int] = set()
    out = []
    for opinion, found in zip(opinions, backing, strict=True):
        if found:
            out.append(replace(opinion, verdict=AGREES, stated=found[0].text))
            continue
        taken = accounted | used
        free = [c for c in claims if _rival(c, opinion) and id(c) not in taken]
        mention = _mention(answer, opinion.item)
        after = [c for c in free if c.start >= mention] if mention >= 0 else []
        chosen = (after or free)[0] if free else None
        if chosen is None:
            out.append(replace(opinion, verdict=NOT_STATED, stated=""))
            continue
        used.add(id(chosen))
        out.append(replace(opinion, verdict=DIFFERS, stated=chosen.text))
    return out
