"""`eval answers`: the real ask path on FinanceBench questions, measured end to end.

Per question: context recall (a gold page is inside the prompt the model read), figure
recall (the stricter measure: at least 80% of the figures of a gold evidence snippet are in
the prompt's text, so the model could read the numbers, not just the page's label), prompt
tokens and sources; with generation also correctness where the gold answer is a number,
citation precision, unverified figures, the answer's verdict (verified, partly, unverified,
nothing to check), each calculation's status and the key figures table's second opinion,
refusals, time to first token and tokens/s.
Every finished question is appended to a results file (JSONL, flushed and synced), so a
killed run started again with the same arguments goes on where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.services.answer_checks import (
    answer_is_correct,
    citation_precision,
    gold_figure,
    is_refusal,
)
from app.services.ask import Answer, Retrieved, ask, prepare
from app.services.evaluate import EvalScope, library_for, read_questions
from app.services.ports import EvaluatingAnswers
from model_runtime.engine import Mode
from model_runtime.errors import ModelError
from retrieval.errors import PromptTooLongError
from retrieval.evaluation import Question
from retrieval.types import Evidence as Source

Progress = Callable[[str], None]
RESULTS_DIR = "eval"


@dataclass
class AnswerResult:
    id: str
    document: str
    gold_pages: list[int]  # one-based
    context_recall: bool = False
    figures_recall: bool = False
    prompt_tokens: int = 0
    sources: int = 0
    context_length: int = 0
    mode_used: str = ""
    seconds: float = 0.0
    error: str = ""
    # With generation only (None otherwise).
    answer: str | None = None
    gold_answer: str = ""
    correct: bool | None = None  # None: the gold answer is not a number
    cited: int | None = None
    citation_precision: float | None = None
    unverified_figures: list[str] = field(default_factory=list)
    verdict: str | None = None  # verified, partly, unverified or nothing to check
    # Each `Calculation:` line: its text, status and the value recomputed.
    calculations: list[dict[str, str]] = field(default_factory=list)
    # The key figures table's second opinion: item, period, table value, answer's, verdict.
    second_opinion: list[dict[str, str]] = field(default_factory=list)
    refused: bool | None = None
    ttft_s: float | None = None
    tokens_per_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> AnswerResult:
        return cls(**{k: v for k, v in row.items() if k in cls.__dataclass_fields__})


@dataclass
class AnswerEval:
    scope: str
    generate: bool
    context_length: int | None
    results_file: str
    results: list[AnswerResult] = field(default_factory=list)
    resumed: int = 0
    ingested: int = 0

    def totals(self) -> dict[str, Any]:
        rs = self.results
        n = len(rs) or 1

        def mean(values: list[float]) -> float | None:
            return round(sum(values) / len(values), 4) if values else None

        totals: dict[str, Any] = {
            "questions": len(rs),
            "context_recall": round(sum(r.context_recall for r in rs) / n, 4),
            "figures_recall": round(sum(r.figures_recall for r in rs) / n, 4),
            "prompt_tokens_mean": mean([r.prompt_tokens for r in rs]),
            "sources_mean": mean([r.sources for r in rs]),
            "seconds_per_question": mean([r.seconds for r in rs]),
            "errors": sum(1 for r in rs if r.error),
        }
        if self.generate:
            numeric = [r for r in rs if r.correct is not None]
            totals |= {
                "numeric_questions": len(numeric),
                "correct": mean([float(bool(r.correct)) for r in numeric]),
                "citation_precision": mean(
                    [r.citation_precision for r in rs if r.citation_precision is not None]
                ),
                "unverified_figures": sum(len(r.unverified_figures) for r in rs),
                "answers_with_unverified_figures": sum(1 for r in rs if r.unverified_figures),
                "verdicts": _counts([r.verdict for r in rs if r.verdict]),
                "calculations": _counts([c["status"] for r in rs for c in r.calculations]),
                "second_opinion": _counts([o["verdict"] for r in rs for o in r.second_opinion]),
                "refusals": sum(1 for r in rs if r.refused),
                "ttft_s_mean": mean([r.ttft_s for r in rs if r.ttft_s is not None]),
                "tokens_per_s_mean": mean([r.tokens_per_s for r in rs if r.tokens_per_s]),
            }
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "generate": self.generate,
            "context_length": self.context_length,
            "results_file": self.results_file,
            "resumed": self.resumed,
            "ingested": self.ingested,
            "totals": self.totals(),
            "questions": [r.as_dict() for r in self.results],
        }


def _counts(values: list[str]) -> dict[str, int]:
    """How many of each value, most frequent first."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def recall(question: Question, sources: list[Source]) -> bool:
    """A gold page is inside one of the blocks the model reads."""
    return any(
        s.document_name == question.doc_name and question.gold_pages.intersection(s.pages)
        for s in sources
    )


FIGURES_SHARE = 0.8  # of a gold snippet's figures that must be in the prompt
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def figures(text: str) -> set[str]:
    """The numbers a text writes, as digits ("1,577.0" and "1577.0" are one figure)."""
    return {m.group().replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}


def figures_recall(
    question: Question, snippets: list[tuple[int, str]], sources: list[Source]
) -> bool:
    """A gold evidence snippet's figures (at least `FIGURES_SHARE` of them) are in the text
    the model reads; a snippet with no figure counts when its page is in (context recall)."""
    read = figures("\n".join(s.text for s in sources))
    for page, snippet in snippets:
        wanted = figures(snippet)
        if not wanted:
            on_page = any(s.document_name == question.doc_name and page in s.pages for s in sources)
            if on_page:
                return True
        elif len(wanted & read) >= FIGURES_SHARE * len(wanted):
            return True
    return False


def gold_snippets(path: Path) -> dict[str, list[tuple[int, str]]]:
    """Each question's gold evidence (zero-based page, snippet) in its own document."""
    snippets: dict[str, list[tuple[int, str]]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
            doc = row["doc_name"]
            snippets[str(row.get("financebench_id", number))] = [
                (int(e["evidence_page_num"]), str(e.get("evidence_text") or ""))
                for e in row.get("evidence", [])
                if e.get("doc_name", doc) == doc and "evidence_page_num" in e
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # read_questions has already refused a bad file
    return snippets


def run_key(workspace: EvaluatingAnswers, questions_path: Path, parts: dict[str, object]) -> str:
    """Same questions, settings, model and arguments: same results file."""
    settings = workspace.settings
    entry = workspace.model_entry()
    stat = entry.path.stat() if entry.path.is_file() else None
    recipe = {
        **parts,
        "questions": hashlib.sha256(questions_path.read_bytes()).hexdigest(),
        "model": f"{entry.path.name}:{stat.st_size if stat else 0}",
        "settings": [
            settings.top_k,
            settings.search_method,
            settings.statements_first,
            settings.context_mode,
            settings.max_answer_tokens,
            settings.reasoning_budget,
        ],
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def read_results(path: Path) -> dict[str, AnswerResult]:
    """Finished questions; a line cut short by a kill is ignored (that question reruns)."""
    done: dict[str, AnswerResult] = {}
    if not path.is_file():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            result = AnswerResult.from_dict(json.loads(line))
        except (ValueError, TypeError):
            continue
        done[result.id] = result
    return done


def evaluate_answers(
    workspace: EvaluatingAnswers,
    questions_path: Path,
    scope: EvalScope = EvalScope.DOCUMENT,
    docs: Path | None = None,
    limit: int | None = None,
    context_length: int | None = None,
    generate: bool = True,
    mode: Mode = Mode.FAST,
    fresh: bool = False,
    progress: Progress | None = None,
) -> AnswerEval:
    questions = read_questions(questions_path)[:limit]
    by_name, ingested = library_for(workspace, questions, questions_path, docs, progress)
    key = run_key(
        workspace,
        questions_path,
        {"scope": scope.value, "budget": context_length, "generate": generate, "mode": mode.value},
    )
    path = workspace.home / RESULTS_DIR / f"answers-{key}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        path.unlink(missing_ok=True)
    done = read_results(path)
    snippets = gold_snippets(questions_path)
    result = AnswerEval(scope.value, generate, context_length, str(path), ingested=ingested)
    with path.open("a", encoding="utf-8") as out:
        for number, question in enumerate(questions, start=1):
            if question.id in done:
                result.results.append(done[question.id])
                result.resumed += 1
                continue
            names = [by_name[question.doc_name].id] if scope == EvalScope.DOCUMENT else None
            gold = snippets.get(question.id, [])
            one = _one(workspace, question, gold, names, context_length, generate, mode)
            out.write(json.dumps(one.as_dict()) + "\n")
            out.flush()
            os.fsync(out.fileno())
            result.results.append(one)
            if progress is not None:
                mark = "in prompt" if one.context_recall else "NOT in prompt"
                progress(f"{number}/{len(questions)} {question.id}: gold page {mark}")
    return result


def _one(
    workspace: EvaluatingAnswers,
    question: Question,
    snippets: list[tuple[int, str]],
    names: list[str] | None,
    context_length: int | None,
    generate: bool,
    mode: Mode,
) -> AnswerResult:
    result = AnswerResult(
        question.id,
        question.doc_name,
        sorted(p + 1 for p in question.gold_pages),
        gold_answer=question.answer,
    )
    started = time.perf_counter()
    try:
        if generate:
            _generate(workspace, question, snippets, names, mode, result)
        else:
            prompt = prepare(workspace, question.question, mode, names, None, context_length)
            _read(question, snippets, prompt.sources, prompt.report.prompt_tokens, result)
            result.context_length = prompt.report.context_length
            result.mode_used = prompt.report.mode_used
    except (PromptTooLongError, ModelError) as exc:
        result.error = str(exc).splitlines()[0]
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _read(
    question: Question,
    snippets: list[tuple[int, str]],
    sources: list[Source],
    tokens: int,
    result: AnswerResult,
) -> None:
    result.context_recall = recall(question, sources)
    result.figures_recall = figures_recall(question, snippets, sources)
    result.prompt_tokens = tokens
    result.sources = len(sources)


def _generate(
    workspace: EvaluatingAnswers,
    question: Question,
    snippets: list[tuple[int, str]],
    names: list[str] | None,
    mode: Mode,
    result: AnswerResult,
) -> None:
    answer: Answer | None = None
    for event in ask(workspace, question.question, mode, names, seed=0):
        if isinstance(event, Retrieved):
            _read(question, snippets, event.sources, event.report.prompt_tokens, result)
            result.context_length = event.report.context_length
            result.mode_used = event.report.mode_used
        elif isinstance(event, Answer):
            answer = event
    assert answer is not None
    text = answer.answer
    result.answer = answer.readable_answer
    cited = [c.source for c in answer.check.cited]
    gold = gold_figure(question.answer)
    result.correct = None if gold is None else answer_is_correct(gold, text)
    result.cited = len(cited)
    result.citation_precision = citation_precision(text, cited, question)
    result.unverified_figures = [f.text for f in answer.unverified]
    result.verdict = answer.verdict.value
    result.calculations = [
        {"text": c.text, "status": c.status.value, "recomputed": c.right}
        for c in answer.calculations
    ]
    result.second_opinion = [
        {"item": o.item, "period": o.period, "table_value": o.shown_value,
         "answer_figure": o.stated, "verdict": o.verdict}
        for o in answer.second_opinion
    ]  # fmt: skip
    result.refused = is_refusal(text)
    if answer.usage is not None:
        result.ttft_s = round(answer.usage.time_to_first_token_s, 3)
        result.tokens_per_s = round(answer.usage.decode_tokens_per_s, 2)
