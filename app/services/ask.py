"""Ask a question of the library: retrieve, prompt with numbered sources, stream the answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.errors import EmptyWorkspaceError
from app.workspace import Workspace
from model_runtime.engine import GenerationLimits, Mode
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage
from retrieval.prompt import Citation, build_messages, map_citations, render_citations
from retrieval.search import Retriever, Source


@dataclass(frozen=True)
class Retrieved:
    """Yielded before generation starts: the passages the model will read."""

    sources: list[Source]


@dataclass
class Answer:
    question: str
    mode: str
    answer: str = ""
    reasoning: str = ""
    sources: list[Source] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    usage: Usage | None = None

    @property
    def readable_answer(self) -> str:
        return render_citations(self.answer, self.sources)

    def as_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "mode": self.mode,
            "answer": self.readable_answer,
            "reasoning": self.reasoning,
            "citations": [c.as_dict() for c in self.citations],
            "usage": self.usage.__dict__ if self.usage else None,
        }


def ask(
    workspace: Workspace,
    question: str,
    mode: Mode = Mode.FAST,
    document_ids: list[str] | None = None,
    seed: int | None = None,
    json_schema: dict[str, object] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Retrieved | Event | Answer]:
    """Yield the retrieved sources, the engine's events as they stream, then the `Answer`."""
    if not question.strip():
        raise EmptyWorkspaceError("the question is empty")
    if workspace.catalogue.ready_count() == 0:
        raise EmptyWorkspaceError(
            "the library is empty: ingest documents first (archivist ingest PATH)"
        )
    settings = workspace.settings
    retriever = Retriever(workspace.catalogue, workspace.store, workspace.embedder)
    result = Answer(question=question, mode=mode.value)
    result.sources = retriever.retrieve(question, settings.top_k, document_ids)
    yield Retrieved(result.sources)
    messages = build_messages(result.sources, question)
    limits = GenerationLimits(
        max_tokens=settings.max_answer_tokens,
        seed=seed,
        reasoning_budget=settings.reasoning_budget,
        cancel=cancel,
        json_schema=json_schema,
    )
    answer_parts: list[str] = []
    reasoning_parts: list[str] = []
    for event in workspace.engine.stream(messages, mode, limits):  # type: ignore[arg-type]
        if isinstance(event, AnswerDelta):
            answer_parts.append(event.text)
        elif isinstance(event, ReasoningDelta):
            reasoning_parts.append(event.text)
        elif isinstance(event, Usage):
            result.usage = event
        yield event
    result.answer = "".join(answer_parts)
    result.reasoning = "".join(reasoning_parts)
    result.citations = map_citations(result.answer, result.sources)
    yield result
