"""Labelled evidence blocks (documents first, question last).

Every block the model reads is numbered and labelled, `[S3] BOEING_2022_10K p.112`; the
answer cites `[S3]`, which `retrieval.citations` maps back to a document and its page(s).
"""

from __future__ import annotations

from retrieval.citations import marker
from retrieval.types import Evidence

SYSTEM_PROMPT = (
    "You are Archivist, an analyst's assistant. Answer only from the numbered sources. "
    "After each claim cite its source as [S1], [S2] ... If the sources do not contain the "
    "answer, say so. When you derive a figure (a ratio, margin, percentage change or "
    "average), show it on its own line as `Calculation: 6,489 / ((253 + 282) / 2) = 24.26`, "
    "with each number as the source writes it."
)

QUESTION_INTRO = "Question: "
QUESTION_OUTRO = "Answer from the sources above and cite them like [S1]."


def block(source: Evidence) -> str:
    return f"{marker(source.number)} {source.label}\n{source.text.strip()}"


def question_block(question: str) -> str:
    """The question as the user message ends with it: written once per question, whatever
    number of source sets the assembler tries before it."""
    return QUESTION_INTRO + question.strip() + "\n" + QUESTION_OUTRO


def user_message(sources: list[Evidence], asked: str) -> str:
    """The sources, then `asked` (the `question_block`)."""
    body = "\n\n".join(block(s) for s in sources)
    head = f"Sources:\n\n{body}\n\n" if sources else "Sources: (none found)\n\n"
    return head + asked


def build_messages(
    sources: list[Evidence], asked: str, system_prompt: str = SYSTEM_PROMPT
) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": user_message(sources, asked)},
    ]
