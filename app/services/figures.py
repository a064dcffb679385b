"""Check that every figure in a summary bullet appears on a page the bullet cites.

Figures are compared as values, after normalising $, commas, %, parentheses for negatives
and million/billion/thousand, and allowing the rounding the bullet itself shows: "$5.2
billion" matches a page's "5,213 million", "412 million" matches a table's "412".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.citations import cited_pages, strip_page_citations

NUMBER = re.compile(
    r"(?P<neg>\()?\$?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<close>\))?"
    r"\s?(?P<unit>%|percent\b|thousand\b|million\b|billion\b|trillion\b|[kmb]n?\b)?",
    re.IGNORECASE,
)
SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}


@dataclass(frozen=True)
class Figure:
    text: str
    value: float  # scaled, signed
    step: float  # half of this is the rounding the figure allows
    percent: bool


def figures_in(text: str, skip_years: bool = True) -> list[Figure]:
    found = []
    cleaned = strip_page_citations(text)  # page citations are not figures
    for match in NUMBER.finditer(cleaned):
        raw = match.group("num").replace(",", "")
        unit = (match.group("unit") or "").lower()
        if skip_years and not unit and "." not in raw and 1900 <= int(float(raw)) <= 2100:
            continue
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        scale = SCALES.get(unit, 1.0)
        sign = -1.0 if match.group("neg") and match.group("close") else 1.0
        found.append(
            Figure(
                text=match.group(0).strip(),
                value=sign * float(raw) * scale,
                step=(10.0**-decimals) * scale,
                percent=unit in ("%", "percent"),
            )
        )
    return found


def figure_on_page(figure: Figure, page_figures: list[Figure]) -> bool:
    tolerance = figure.step / 2 + 1e-9 * max(1.0, abs(figure.value))
    for candidate in page_figures:
        # Tables state "in millions" once, so a bare page number may carry any scale.
        for scale in (1.0, 1e3, 1e6, 1e9):
            if abs(candidate.value * scale - figure.value) <= tolerance:
                return True
            if abs(abs(candidate.value * scale) - abs(figure.value)) <= tolerance:
                return True
    return False


def unmatched_figures(bullet: str, pages: dict[int, str]) -> list[str]:
    """Figures of `bullet` found on none of the pages it cites (`pages` is one-based)."""
    cited = [pages[p] for p in cited_pages(bullet) if p in pages]
    page_figures = [f for text in cited for f in figures_in(text, skip_years=False)]
    return [f.text for f in figures_in(bullet) if not figure_on_page(f, page_figures)]
