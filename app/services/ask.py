"""Ask a question of the library: scope, retrieve, assemble to budget, stream the answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from app.errors import EmptyWorkspaceError, InputError
from app.services.answer import Answer
from app.services.context import PrefillClock, learn_prefill, reasoning_room, thinking_limits
from app.services.ports import Answering
from ingestion.records import DocumentMeta
from ingestion.yielding import answering
from model_runtime.engine import GenerationLimits, Mode
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage
from retrieval.assembler import (
    AssembledPrompt,
    ContextAssembler,
    ContextMode,
    ContextReport,
    Omission,
)
from retrieval.catalogue import ASKABLE, INDEXING, READY
from retrieval.evidence import PageReader
from retrieval.integrity import require_readable_index
from retrieval.key_figures.second_opinion import second_opinion
from retrieval.question import QuestionFacets, understand
from retrieval.scope import (
    Scope,
    document_company_keys,
    document_meta,
    library_companies,
    resolve_scope,
)
from retrieval.search import Retriever, SearchConfig
from retrieval.storage.figure_store import FigureStore
from retrieval.types import Evidence

# Units and chunks to rank per token of context: a dense page is ~1,000 tokens and a
# chunk ~220; ranking a little more than fits lets the budget, not the ranking, stop.
TOKENS_PER_UNIT = 400
TOKENS_PER_CHUNK = 100


@dataclass(frozen=True)
class Retrieved:
    """Yielded before generation starts: the evidence the model will read, and why."""

    sources: list[Evidence]
    report: ContextReport


def prepare(
    workspace: Answering,
    question: str,
    mode: Mode = Mode.FAST,
    document_names: list[str] | None = None,  # names or ids
    context_mode: ContextMode | None = None,
    context_length: int | None = None,
) -> AssembledPrompt:
    """Scope the library, rank evidence and assemble the prompt, without generating.

    The catalogue is read a few times, each once: the document list, the scoped documents'
    pages (`auto`/`whole` with a named scope: put whole when they fit, and then nothing is
    ranked), the ranked chunks with their neighbours, the pages the units need (only those
    not read yet). `context_length` assembles to another budget than the engine's (`eval
    answers`).
    """
    return _prepare(workspace, question, mode, document_names, context_mode, context_length)[0]


def _prepare(
    workspace: Answering,
    question: str,
    mode: Mode,
    document_names: list[str] | None,
    context_mode: ContextMode | None,
    context_length: int | None,
) -> tuple[AssembledPrompt, Scope, list[DocumentMeta]]:
    """The prompt, the scope it was assembled for and the askable documents' metadata."""
    if not question.strip():
        raise EmptyWorkspaceError("the question is empty")
    catalogue, settings = workspace.catalogue, workspace.settings
    everything = catalogue.documents()
    documents = [d for d in everything if d.status in ASKABLE]
    halfway = [d.name for d in everything if d.status == INDEXING]
    if halfway and (not documents or set(document_names or ()) & set(halfway)):
        raise InputError(
            f"{len(halfway)} document(s) were left mid-reindex ({', '.join(halfway[:3])}): "
            "run `archivist reindex` to finish it"
        )
    if not documents:
        raise EmptyWorkspaceError(
            "the library is empty: ingest documents first (archivist ingest PATH)"
        )
    # An index deleted or damaged under ready documents would answer from nothing.
    dense = sum(d.chunk_count for d in documents if d.status == READY)
    require_readable_index(workspace.store, workspace.embedding_dimension, len(documents), dense)
    metas = [document_meta(d) for d in documents]
    asked = understand(question, library_companies(metas))  # read once: what it asks
    scope = _scope(asked.facets, metas, document_names)
    ids = scope.document_ids if scope.narrowed else None
    config = SearchConfig.from_settings(settings.search_method, settings.statements_first)
    retriever = Retriever(catalogue, workspace.store, workspace.embedder, config, everything)
    window = context_length or workspace.engine.context_length
    chosen = context_mode or ContextMode(settings.context_mode)
    pages = PageReader(catalogue)  # every page this question reads, read once

    def whole() -> list[Evidence]:
        """The scoped documents' pages, read only when they may fit whole."""
        if not scope.narrowed:
            return []
        names = {d.id: d.name for d in documents}
        texts = pages.read(dict.fromkeys(scope.document_ids))
        return [
            Evidence(doc_id, names[doc_id], index, index, text)
            for doc_id in scope.document_ids
            for index, text in texts[doc_id].items()
        ]

    sizes = {d.id: d.text_chars for d in documents}
    chars = sum(sizes[i] for i in scope.document_ids) if scope.narrowed else None

    def ranked() -> list[Evidence]:
        # Rank enough units to fill the context (top_k is a floor, not a cap).
        wanted = max(settings.top_k, window // TOKENS_PER_UNIT)
        chunks = window // TOKENS_PER_CHUNK
        return retriever.evidence(asked, wanted, ids, chunks=chunks, pages=pages)

    outside = len(documents) - len(scope.document_ids)
    filtered = (
        [Omission(f"{outside} other document(s)", "filter", None, scope.describe())]
        if scope.narrowed and outside
        else []
    )
    # A model without a thinking template answers a thinking question in fast mode: no room
    # (and no reasoning tokens) for thoughts it will not have.
    thinks = mode == Mode.THINKING and workspace.engine.model_info.supports_thinking
    assembler = ContextAssembler(
        workspace.counter,
        window,
        settings.max_answer_tokens,
        reasoning_room(settings.reasoning_budget, window) if thinks else 0,
        floor=settings.top_k,
    )
    prompt = assembler.assemble(
        question, ranked, whole, chosen, scope.describe(), filtered, documents_chars=chars
    )
    pending = retriever.without_dense(ids)
    if pending:  # searchable, not ready: the answer rests on keywords (and statements)
        waiting = ", ".join(d.name for d in pending)
        prompt.report.notes.append(
            f"dense vectors not computed yet for {waiting}: searched with "
            f"{retriever.method_for(ids).value} and the statement pages"
        )
    return prompt, scope, metas


def _scope(facets: QuestionFacets, metas: list[DocumentMeta], names: list[str] | None) -> Scope:
    if not names:
        return resolve_scope(facets, metas)
    for name in names:
        same = [m.id for m in metas if m.name.lower() == name.lower()]
        if len(same) > 1:
            raise InputError(
                f"'{name}' names {len(same)} documents ({', '.join(same)}): give one id with --doc"
            )
    by_key = {m.name.lower(): m.id for m in metas} | {m.id: m.id for m in metas}
    missing = [n for n in names if n.lower() not in by_key and n not in by_key]
    if missing:
        raise InputError(f"no such document in the library: {', '.join(missing)}")
    ids = list(dict.fromkeys(by_key.get(n) or by_key[n.lower()] for n in names))
    return Scope(ids, narrowed=True, steps=[f"documents given: {', '.join(names)}"])


def ask(
    workspace: Answering,
    question: str,
    mode: Mode = Mode.FAST,
    document_names: list[str] | None = None,
    seed: int | None = None,
    context_mode: ContextMode | None = None,
    json_schema: dict[str, object] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Retrieved | Event | Answer]:
    """Yield the assembled evidence, the engine's events as they stream, then the `Answer`.

    Setting `cancel` stops at the next token: the stream is closed (which stops
    llama.cpp's loop) and the answer so far comes back with stop reason "cancelled"."""
    cancel = cancel or threading.Event()
    prompt, scope, metas = _prepare(workspace, question, mode, document_names, context_mode, None)
    settings = workspace.settings
    result = Answer(question, mode.value, sources=prompt.sources)
    result.model = workspace.engine.model_name  # until the engine's usage names it
    window = workspace.context_choice
    result.context_window = window.short() if window else ""
    result.use_report(prompt.report)
    yield Retrieved(prompt.sources, prompt.report)
    report = prompt.report
    max_tokens, reasoning_cap = settings.max_answer_tokens, 0
    if report.reasoning_tokens:
        max_tokens, reasoning_cap = thinking_limits(
            settings.reasoning_budget,
            settings.max_answer_tokens,
            report.reasoning_tokens,
            report.free_tokens,
        )
    limits = GenerationLimits(
        max_tokens=max_tokens,
        seed=seed,
        reasoning_budget=reasoning_cap or None,
        cancel=cancel,
        json_schema=json_schema,
    )
    answer_parts: list[str] = []
    reasoning_parts: list[str] = []
    started = time.perf_counter()
    first_token: float | None = None
    clock = PrefillClock()
    with answering(workspace.home):  # ingestion here yields the cores (ingestion/yielding.py)
        stream = workspace.engine.stream(prompt.messages, mode, limits)  # type: ignore[arg-type]
        try:
            for event in stream:
                clock.stop()  # the first event ends the prefill
                if cancel.is_set() and isinstance(event, AnswerDelta | ReasoningDelta):
                    # The engine checks `cancel` before every token and ends within one
                    # with its own usage (stop reason "cancelled"); nothing after the key
                    # is kept.
                    result.stop_reason = "cancelled"
                    continue
                if isinstance(event, AnswerDelta | ReasoningDelta):
                    first_token = first_token or time.perf_counter()
                    result.completion_tokens += 1
                    parts = answer_parts if isinstance(event, AnswerDelta) else reasoning_parts
                    parts.append(event.text)
                elif isinstance(event, Usage):
                    result.use_usage(event)
                    # Every answer updates this machine's prefill estimate.
                    learn_prefill(workspace, event, clock.cpu_s, clock.wall_s)
                yield event
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops llama.cpp's loop
    if cancel.is_set():
        result.stop_reason = "cancelled"
    result.answer = "".join(answer_parts)
    result.reasoning = "".join(reasoning_parts)
    if result.stop_reason == "cancelled" and first_token is not None:
        result.ttft_s = first_token - started
        decode = time.perf_counter() - first_token
        result.tokens_per_s = result.completion_tokens / decode if decode > 0 else None
    if result.stop_reason != "cancelled":
        cited = {c.source.document_id for c in result.citations if c.cited_by_model}
        scoped = _opinion_documents(scope, metas, cited)
        if scoped is not None:
            store = FigureStore(workspace.catalogue)
            result.second_opinion = second_opinion(
                question, result.answer, scoped, metas, store.of_documents
            )
    yield result


def _opinion_documents(
    scope: Scope, metas: list[DocumentMeta], cited: set[str]
) -> list[DocumentMeta] | None:
    """The documents whose key figures give a second opinion on the answer
    (retrieval/key_figures/second_opinion.py): the scope, or, when the question named no
    company, those the answer cites if they are one company's (None: several companies)."""
    by_id = {m.id: m for m in metas}
    if scope.narrowed:
        return [by_id[i] for i in scope.document_ids if i in by_id]
    scoped = [m for m in metas if m.id in cited]
    companies = {frozenset(document_company_keys(m)) for m in scoped}
    if len(companies) > 1 and not frozenset.intersection(*companies):
        return None
    return scoped
