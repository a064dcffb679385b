"""Ask a question of the library: scope, retrieve, assemble to budget, stream the answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.errors import EmptyWorkspaceError, InputError
from app.workspace import Workspace
from model_runtime.engine import GenerationLimits, Mode
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage
from retrieval.assembler import (
    AssembledPrompt,
    Candidate,
    ContextAssembler,
    ContextMode,
    ContextReport,
    Omission,
)
from retrieval.catalogue import READY
from retrieval.figures import CheckedFigure, check_answer
from retrieval.passages import unit_passages
from retrieval.prompt import Citation, CitationCheck, check_citations, render_citations
from retrieval.prompt import Source as Source
from retrieval.scope import DocumentMeta, Scope, document_meta, resolve_scope
from retrieval.search import Retriever, SearchConfig

# Units and chunks to rank per token of context: a dense page is ~1,000 tokens and a
# chunk ~220; ranking a little more than fits lets the budget, not the ranking, stop.
TOKENS_PER_UNIT = 400
TOKENS_PER_CHUNK = 100


@dataclass(frozen=True)
class Retrieved:
    """Yielded before generation starts: the sources the model will read, and why."""

    sources: list[Source]
    report: ContextReport


@dataclass
class Answer:
    question: str
    mode: str
    answer: str = ""
    reasoning: str = ""
    sources: list[Source] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    check: CitationCheck = field(default_factory=CitationCheck)
    report: ContextReport | None = None
    usage: Usage | None = None
    figures: list[CheckedFigure] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Every figure and quotation was found in the source its claim cites."""
        return all(f.verified for f in self.figures)

    @property
    def readable_answer(self) -> str:
        return render_citations(self.answer, self.sources)

    def as_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "mode": self.mode,
            "answer": self.readable_answer,
            "reasoning": self.reasoning,
            "grounded": self.check.grounded,
            "warning": self.check.warning(),
            "invalid_citations": self.check.invalid,
            "verified": self.verified,
            "figures": [f.as_dict() for f in self.figures],
            "citations": [c.as_dict() for c in self.citations],
            "context": self.report.as_dict() if self.report else None,
            "usage": self.usage.__dict__ if self.usage else None,
        }


def prepare(
    workspace: Workspace,
    question: str,
    mode: Mode = Mode.FAST,
    document_names: list[str] | None = None,  # names or ids
    context_mode: ContextMode | None = None,
) -> AssembledPrompt:
    """Scope the library, rank evidence and assemble the prompt, without generating."""
    if not question.strip():
        raise EmptyWorkspaceError("the question is empty")
    catalogue, settings = workspace.catalogue, workspace.settings
    documents = [d for d in catalogue.documents() if d.status == READY]
    if not documents:
        raise EmptyWorkspaceError(
            "the library is empty: ingest documents first (archivist ingest PATH)"
        )
    scope = _scope(question, [document_meta(d) for d in documents], document_names)
    ids = scope.document_ids if scope.narrowed else None
    config = SearchConfig.from_settings(settings.search_method, settings.statements_first)
    retriever = Retriever(catalogue, workspace.store, workspace.embedder, config)
    engine = workspace.engine
    # Rank enough units to fill the context (top_k is a floor, not a cap).
    wanted = max(settings.top_k, engine.context_length // TOKENS_PER_UNIT)
    units = retriever.evidence(
        question, wanted, ids, chunks=engine.context_length // TOKENS_PER_CHUNK
    )
    evidence = [
        Candidate(
            u.document_id,
            u.document_name,
            u.first_page,
            u.last_page,
            u.text,
            u.score,
            u.passage,
            passages,
        )
        for u, passages in zip(units, unit_passages(catalogue, units), strict=True)
    ]
    chosen = context_mode or ContextMode(settings.context_mode)
    pages: list[Candidate] = []
    if chosen != ContextMode.EVIDENCE and scope.narrowed:
        names = {d.id: d.name for d in documents}
        for doc_id in scope.document_ids:
            pages += [
                Candidate(doc_id, names[doc_id], index, index, text)
                for index, text in catalogue.pages(doc_id).items()
            ]
    outside = len(documents) - len(scope.document_ids)
    filtered = (
        [Omission(f"{outside} other document(s)", "filter", None, scope.describe())]
        if scope.narrowed and outside
        else []
    )
    assembler = ContextAssembler(
        engine,
        engine.context_length,
        settings.max_answer_tokens,
        settings.reasoning_budget if mode == Mode.THINKING else 0,
        floor=settings.top_k,
    )
    return assembler.assemble(question, evidence, pages, chosen, scope.describe(), filtered)


def _scope(question: str, metas: list[DocumentMeta], names: list[str] | None) -> Scope:
    if not names:
        return resolve_scope(question, metas)
    by_key = {m.name.lower(): m.id for m in metas} | {m.id: m.id for m in metas}
    missing = [n for n in names if n.lower() not in by_key and n not in by_key]
    if missing:
        raise InputError(f"no such document in the library: {', '.join(missing)}")
    ids = list(dict.fromkeys(by_key.get(n) or by_key[n.lower()] for n in names))
    return Scope(ids, narrowed=True, steps=[f"documents given: {', '.join(names)}"])


def ask(
    workspace: Workspace,
    question: str,
    mode: Mode = Mode.FAST,
    document_names: list[str] | None = None,
    seed: int | None = None,
    context_mode: ContextMode | None = None,
    json_schema: dict[str, object] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Retrieved | Event | Answer]:
    """Yield the assembled sources, the engine's events as they stream, then the `Answer`."""
    prompt = prepare(workspace, question, mode, document_names, context_mode)
    settings = workspace.settings
    result = Answer(question=question, mode=mode.value, sources=prompt.sources)
    result.report = prompt.report
    yield Retrieved(prompt.sources, prompt.report)
    reasoning_budget = prompt.report.reasoning_tokens
    limits = GenerationLimits(
        max_tokens=settings.max_answer_tokens + reasoning_budget,
        seed=seed,
        reasoning_budget=reasoning_budget or None,
        cancel=cancel,
        json_schema=json_schema,
    )
    answer_parts: list[str] = []
    reasoning_parts: list[str] = []
    for event in workspace.engine.stream(prompt.messages, mode, limits):  # type: ignore[arg-type]
        if isinstance(event, AnswerDelta):
            answer_parts.append(event.text)
        elif isinstance(event, ReasoningDelta):
            reasoning_parts.append(event.text)
        elif isinstance(event, Usage):
            result.usage = event
        yield event
    result.answer = "".join(answer_parts)
    result.reasoning = "".join(reasoning_parts)
    result.check = check_citations(result.answer, result.sources)
    result.figures = check_answer(result.answer, result.sources)
    # Nothing cited: list what the model was given, most relevant first.
    given = sorted(result.sources, key=lambda s: -s.score if s.score is not None else 0.0)
    result.citations = result.check.cited or [Citation(s, cited_by_model=False) for s in given]
    yield result
