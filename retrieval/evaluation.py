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
    """Read a FinanceBench JSONL file (bounded in size); a bad line is an error naming the
    file and line."""
    questions = []
    try:
        text = read_text_bounded(path, MAX_QUESTIONS_BYTES)
    except UnicodeDecodeError as exc:
        at = exc.object[: exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else 1
        raise RetrievalError(f"{path}:{at}: not UTF-8 text") from exc
    except OSError as exc:
        raise RetrievalError(f"{path}: {exc.strerror or exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            questions.append(_question(line, number, path))
    if not questions:
        raise RetrievalError(f"{path}: no questions")
    return questions


def _question(line: str, number: int, path: Path) -> Question:
    """One line; any way it can be wrong (a hostile file finds them all) is one error."""
    try:
        row = json.loads(line)
        if not isinstance(row, dict):
            raise TypeError("not a JSON object")
        doc = _text(row, "doc_name")
        evidence = row.get("evidence", [])
        if not isinstance(evidence, list):
            raise TypeError("'evidence' is not a list")
        gold = set()
        for item in evidence:
            if not isinstance(item, dict):
                raise TypeError("an 'evidence' entry is not an object")
            if item.get("doc_name", doc) == doc:
                gold.add(_page(item.get("evidence_page_num")))
        answer = row.get("answer") or ""
        return Question(
            str(row.get("financebench_id", number)),
            _text(row, "question"),
            doc,
            frozenset(gold),
            answer if isinstance(answer, str) else json.dumps(answer),
        )
    except RecursionError as exc:
        raise RetrievalError(
            f"{path}:{number}: not a FinanceBench question (nested too deeply)"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        reason = str(exc)[:200]
        raise RetrievalError(f"{path}:{number}: not a FinanceBench question ({reason})") from exc


def _text(row: dict[str, object], key: str) -> str:
    value = row[key]
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(f"'{key}' is not text")
    return str(value)


def _page(value: object) -> int:
    """A zero-based page number: a whole number, not negative (never Infinity or NaN)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000:
        return value
    raise ValueError(f"'evidence_page_num' is not a page number: {value!r:.40}")


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
    return evaluate_together(scope, questions, {name: rank}, ks)[0]


def evaluate_together(
    scope: str,
    questions: list[Question],
    rankers: dict[str, Callable[[Question], Ranking]],
    ks: list[int],
) -> list[EvalSummary]:
    """Every pipeline on one question before the next: what a question needs (its query
    vector) is made once and dropped after it, so memory does not grow with the file."""
    summaries = {name: EvalSummary(name, scope, sorted(ks)) for name in rankers}
    depth = max(ks)
    for question in questions:
        for name, rank in rankers.items():
            ranking = rank(question)[:depth]
            hit = first_hit(question, ranking)
            summaries[name].results.append(
                QuestionResult(
                    question.id,
                    question.doc_name,
                    sorted(question.gold_pages),
                    hit,
                    # Only a miss is reported with its pages; a hit keeps its rank.
                    [[p + 1 for p in pages] for _, pages in ranking] if hit != 1 else [],
                )
            )
    for summary in summaries.values():
        n = len(summary.results) or 1
        for k in summary.ks:
            hits = sum(1 for r in summary.results if r.hit_rank is not None and r.hit_rank <= k)
            summary.hit_at[k] = hits / n
        summary.mrr = sum(1 / r.hit_rank for r in summary.results if r.hit_rank) / n
    return list(summaries.values())
