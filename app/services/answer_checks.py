"""How `eval answers` scores one generated answer against FinanceBench's gold.

Figures are read with the summaries' normalisation (retrieval/figures.py: $, commas, %,
parentheses, million/billion). A numeric gold answer is correct when the answer states the
same value within the rounding either side writes it with ("$1,577 million" and "$1.58
billion" both match a gold "$1577.00" asked in USD millions), but a coarser answer must
still give two significant digits ("$2 billion" does not match 1,577).
"""

from __future__ import annotations

import re

from retrieval.citations import CITATION
from retrieval.evaluation import Question
from retrieval.figures import Figure, figure_on_page, figures_in
from retrieval.types import Evidence as Source

SCALES = (1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9)
MAX_GOLD_WORDS = 4  # "$400,000,000 increase." is a number; a sentence with one is not
REFUSAL = re.compile(
    r"\b(?:do(?:es)? not (?:contain|provide|include|mention|specify|state)|not (?:provided|"
    r"mentioned|available|found|specified|stated)|cannot (?:find|determine|answer)|"
    r"unable to (?:find|determine|answer)|no information)\b",
    re.IGNORECASE,
)


DOCUMENT_NAME = re.compile(r"\S*_\S*")  # AMCOR_2023Q4_EARNINGS: its digits are not figures


def answer_figures(answer: str) -> list[Figure]:
    """The figures an answer states; [S3] markers and document names are not figures."""
    return figures_in(DOCUMENT_NAME.sub(" ", CITATION.sub(" ", answer)))


def gold_figure(answer: str) -> Figure | None:
    """The gold answer's figure when the gold answer is a number, else None."""
    words = answer.split()
    found = figures_in(answer)
    if not words or len(words) > MAX_GOLD_WORDS or len(found) != 1:
        return None
    return found[0]


def _significant_digits(figure: Figure) -> int:
    digits = re.sub(r"\D", "", figure.text.split("%")[0])
    return len(digits.lstrip("0"))


def same_figure(gold: Figure, stated: Figure) -> bool:
    scales = (1.0,) if gold.percent or stated.percent else SCALES
    for scale in scales:
        value, step = stated.value * scale, stated.step * scale
        if step > gold.step * 1.0001 and _significant_digits(stated) < 2:
            continue
        tolerance = max(gold.step, step) / 2 + 1e-9 * max(1.0, abs(gold.value))
        if abs(abs(value) - abs(gold.value)) <= tolerance:
            return True
    return False


def answer_is_correct(gold: Figure, answer: str) -> bool:
    return any(same_figure(gold, stated) for stated in answer_figures(answer))


def _holds(source: Source, figures: list[Figure]) -> bool:
    return any(figure_on_page(f, source.text) for f in figures)


def citation_precision(answer: str, cited: list[Source], question: Question) -> float | None:
    """Share of cited sources that are gold pages or hold one of the answer's figures."""
    if not cited:
        return None
    figures = answer_figures(answer)
    good = sum(
        1
        for s in cited
        if (s.document_name == question.doc_name and question.gold_pages.intersection(s.pages))
        or _holds(s, figures)
    )
    return round(good / len(cited), 4)


def is_refusal(answer: str) -> bool:
    return bool(REFUSAL.search(answer))
