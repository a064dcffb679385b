"""Evaluate retrieval on FinanceBench-format questions, ours and the paper's baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.errors import InputError
from app.services.ingest import ProgressState, ingest
from app.services.ports import Ingesting
from retrieval.baseline import BaselineIndex
from retrieval.catalogue import READY, DocumentInfo
from retrieval.evaluation import (
    EvalSummary,
    Question,
    Ranking,
    evaluate_together,
    load_questions,
)
from retrieval.question import understand
from retrieval.scope import document_meta, library_companies, resolve_scope
from retrieval.search import Retriever, SearchConfig

Progress = Callable[[str], None]


class EvalScope(StrEnum):
    DOCUMENT = "document"  # search only the question's own document
    LIBRARY = "library"  # search the whole library, scoped by what the question names


@dataclass
class RetrievalEval:
    summaries: list[EvalSummary] = field(default_factory=list)
    ingested: int = 0

    def ratio(self) -> dict[str, float] | None:
        """Ours over the baseline, hit@k by hit@k, when both ran."""
        if len(self.summaries) < 2:
            return None
        ours, base = self.summaries[0], self.summaries[1]
        return {
            str(k): round(ours.hit_at[k] / base.hit_at[k], 2) if base.hit_at[k] else float("inf")
            for k in ours.ks
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "results": [s.as_dict() for s in self.summaries],
            "ratio_to_baseline": self.ratio(),
            "ingested": self.ingested,
        }


def evaluate_retrieval(
    workspace: Ingesting,
    questions_path: Path,
    ks: list[int],
    scope: EvalScope = EvalScope.DOCUMENT,
    baseline: bool = False,
    docs: Path | None = None,
    config: SearchConfig | None = None,
    progress: Progress | None = None,
) -> RetrievalEval:
    questions = read_questions(questions_path)
    result = RetrievalEval()
    by_name, result.ingested = library_for(workspace, questions, questions_path, docs, progress)
    documents = list(by_name.values())
    depth = max(ks)
    settings = workspace.settings
    config = config or SearchConfig.from_settings(settings.search_method, settings.statements_first)
    retriever = Retriever(workspace.catalogue, workspace.store, workspace.embedder, config)
    metas = [document_meta(d) for d in documents]
    last: dict[str, list[float]] = {}

    def vector(q: Question) -> list[float]:
        """The question's embedding, made once for every pipeline and kept only while it
        is asked (all of them at once were ~16 KB a question: 2 GB for 100,000)."""
        if q.id not in last:
            last.clear()
            last[q.id] = list(workspace.embedder.embed([q.question])[0])
        return last[q.id]

    companies = library_companies(metas)

    def ours(q: Question) -> Ranking:
        asked = understand(q.question, companies)
        if scope == EvalScope.DOCUMENT:
            ids: list[str] | None = [by_name[q.doc_name].id]
        else:
            found = resolve_scope(asked.facets, metas)
            ids = found.document_ids if found.narrowed else None
        units = retriever.evidence(asked, depth, ids, vector(q), with_text=False)
        return [(u.document_name, u.pages) for u in units]

    rankers: dict[str, Callable[[Question], Ranking]] = {"archivist": ours}
    if baseline:
        index = BaselineIndex(
            workspace.catalogue, workspace.embedder, workspace.home / "cache" / "baseline", progress
        )
        needed = {q.doc_name for q in questions} if scope == EvalScope.DOCUMENT else set(by_name)
        for name in sorted(needed):
            index.add(by_name[name])

        def paper(q: Question) -> Ranking:
            document = q.doc_name if scope == EvalScope.DOCUMENT else None
            found = index.search(vector(q), depth, document)
            return [(c.document_name, c.pages) for c in found]

        rankers["baseline"] = paper
    result.summaries = evaluate_together(scope.value, questions, rankers, ks)
    return result


def read_questions(path: Path) -> list[Question]:
    """FinanceBench questions; a file that is not JSONL is one `InputError` line."""
    from retrieval.errors import RetrievalError

    try:
        return load_questions(path)
    except RetrievalError as exc:
        raise InputError(str(exc)) from exc


def library_for(
    workspace: Ingesting,
    questions: list[Question],
    questions_path: Path,
    docs: Path | None,
    progress: Progress | None = None,
) -> tuple[dict[str, DocumentInfo], int]:
    """Ready documents by name, after ingesting the filings folder; refuses missing ones."""
    ingested = 0
    folder = docs or (questions_path.parent / "pdfs")
    if docs is not None or folder.is_dir():
        report = ingest(workspace, [folder], _ingest_progress(progress))
        ingested = len(report.ingested)
    documents = [d for d in workspace.catalogue.documents() if d.status == READY]
    by_name = {d.name: d for d in documents}
    missing = sorted({q.doc_name for q in questions} - set(by_name))
    if missing:
        raise InputError(
            f"{len(missing)} document(s) named by the questions are not in the library "
            f"(give --docs FOLDER): {', '.join(missing[:5])}"
        )
    return by_name, ingested


def _ingest_progress(say: Progress | None) -> Callable[[ProgressState], None] | None:
    """Ingest reports structured progress; evaluation speaks in lines."""
    if say is None:
        return None

    last = [""]

    def report(state: ProgressState) -> None:
        line = f"ingesting {state.files_done}/{state.files_total}: {state.current}"
        if line != last[0]:
            last[0] = line
            say(line)

    return report
