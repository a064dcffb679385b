"""Retrieval evaluation on FinanceBench-format questions: evidence-page hit@k and MRR.

A question is a hit at k when one of its gold pages (`evidence_page_num`, zero-based,
in the question's document) is among the pages of the top-k evidence units. MRR uses
the rank of the first unit that holds a gold page (0 when none of the top max(k) does).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.bounded_read import MB, read_text_bounded
from retrieval.errors import RetrievalError

MAX_QUESTIONS_BYTES = 64 * MB  # the 58 FinanceBench dev questions with evidence: 376 KB


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    doc_name: str
    gold_pages: frozenset[int]
    answer: str = ""  # the gold answer, as written


def load_questions(path: Path) -> list[Question]:
    """Read a FinanceBench JSONL file; a bad line is an error naming the line."""
    try:
        lines = read_text_bounded(path, MAX_QUESTIONS_BYTES).splitlines()
    except OSError as exc:
        raise RetrievalError(f"{path}: {exc.strerror or exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise TypeError("not a JSON object")
            doc = str(row["doc_name"])
            gold = frozenset(
                int(e["evidence_page_num"])
                for e in row.get("evidence", [])
                if e.get("doc_name", doc) == doc
            )
            questions.append(
                Question(
                    str(row.get("financebench_id", number)),
                    str(row["question"]),
                    doc,
                    gold,
                    str(row.get("answer") or ""),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise RetrievalError(f"{path}:{number}: not a FinanceBench question ({exc})") from exc
    if not questions:
        raise RetrievalError(f"{path}: no questions")
    return questions


# What a pipeline returns for a question: (document name, pages) per unit, best first.
Ranking = list[tuple[str, Sequence[int]]]


@dataclass
class QuestionResult:
    id: str
    doc_name: str
    gold_pages: list[int]
    hit_rank: int | None  # 1-based rank of the first unit holding a gold page
    top_pages: list[list[int]]  # pages (1-based) of the top units, for a miss report

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "document": self.doc_name,
            "gold_pages": [p + 1 for p in self.gold_pages],
            "hit_rank": self.hit_rank,
            "top_pages": self.top_pages,
        }


@dataclass
class EvalSummary:
    name: str
    scope: str
    ks: list[int]
    hit_at: dict[int, float] = field(default_factory=dict)
    mrr: float = 0.0
    results: list[QuestionResult] = field(default_factory=list)

    def misses(self, k: int) -> list[QuestionResult]:
        return [r for r in self.results if r.hit_rank is None or r.hit_rank > k]

    def as_dict(self) -> dict[str, object]:
        k = max(self.ks)
        return {
            "pipeline": self.name,
            "scope": self.scope,
            "questions": len(self.results),
            "hit_at": {str(key): round(value, 4) for key, value in self.hit_at.items()},
            "mrr": round(self.mrr, 4),
            f"misses_at_{k}": [r.as_dict() for r in self.misses(k)],
        }


def first_hit(question: Question, ranking: Ranking) -> int | None:
    for rank, (doc, pages) in enumerate(ranking, start=1):
        if doc == question.doc_name and question.gold_pages.intersection(pages):
            return rank
    return None


def evaluate(
    name: str,
    scope: str,
    questions: list[Question],
    rank: Callable[[Question], Ranking],
    ks: list[int],
) -> EvalSummary:
    summary = EvalSummary(name, scope, sorted(ks))
    depth = max(ks)
    for question in questions:
        ranking = rank(question)[:depth]
        summary.results.append(
            QuestionResult(
                question.id,
                question.doc_name,
                sorted(question.gold_pages),
                first_hit(question, ranking),
                [[p + 1 for p in pages] for _, pages in ranking],
            )
        )
    n = len(summary.results) or 1
    for k in summary.ks:
        hits = sum(1 for r in summary.results if r.hit_rank is not None and r.hit_rank <= k)
        summary.hit_at[k] = hits / n
    summary.mrr = sum(1 / r.hit_rank for r in summary.results if r.hit_rank) / n
    return summary
