"""Whole-document summaries with page citations: one pass when the document fits the
model's context, else map-reduce over page windows (hierarchically when the notes are still
too long). The four sections are written in one generation over the document (or the
notes), so the document is read once. Every step is checkpointed, so a killed batch
resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.summary_format import (
    SECTIONS,
    build_record,
    render_markdown,
    split_sections,
    summary_task,
)
from app.workspace import Workspace
from model_runtime.engine import GenerationLimits, Mode
from model_runtime.events import AnswerDelta, Usage
from retrieval.catalogue import DocumentInfo, PageRow
from retrieval.summary_store import SummaryStore

SYSTEM = (
    "You are a financial analyst. Use only the report text you are given. After every "
    "fact or figure, cite the page it comes from as (p. N)."
)
MAP_TASK = (
    "Summarise the key facts, figures, risks and outlook in the pages above as short bullet "
    "points starting with '- '. End each bullet with its page, like (p. 12)."
)
REDUCE_TASK = (
    "Merge the notes above into fewer bullet points starting with '- ', keeping every "
    "figure and its page citation (p. N)."
)
PROMPT_OVERHEAD = 160  # chat template, instructions and labels, in tokens
SUMMARY_STEP = "summary"  # the one generation that writes every section


def summary_tokens(workspace: Workspace) -> int:
    """The summary step writes every section: each gets what one answer would, within
    half the context (the other half reads)."""
    wanted = len(SECTIONS) * workspace.settings.max_answer_tokens
    return min(wanted, workspace.engine.context_length // 2)


def summary_budget(workspace: Workspace) -> int:
    """Tokens of document (or notes) the summary step can read."""
    return workspace.engine.context_length - summary_tokens(workspace) - PROMPT_OVERHEAD


@dataclass
class Tally:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    generated_steps: int = 0
    resumed_steps: int = 0
    seconds: float = 0.0


@dataclass
class Plan:
    strategy: str  # "single-pass" or "map-reduce"
    windows: list[list[int]]  # zero-based page indexes per window
    not_read: list[dict[str, object]] = field(default_factory=list)


StepProgress = Callable[[str, int, int, float], None]  # step, done, total, tokens/s


def document_pages(workspace: Workspace, document_id: str) -> dict[int, str]:
    with Session(workspace.catalogue.engine) as session:
        rows = session.scalars(
            select(PageRow).where(PageRow.document_id == document_id).order_by(PageRow.index)
        )
        return {row.index: row.text for row in rows}


def model_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_document(workspace: Workspace, pages: dict[int, str]) -> Plan:
    """Single pass when every page fits the budget at once, else windows that each fit."""
    engine = workspace.engine
    budget = engine.context_length - workspace.settings.max_answer_tokens - PROMPT_OVERHEAD
    not_read: list[dict[str, object]] = []
    costs: dict[int, int] = {}
    for index, text in pages.items():
        if not text.strip():
            not_read.append({"page": index + 1, "reason": "no extractable text"})
            continue
        costs[index] = engine.count_tokens(_page_block(index, text))
    if sum(costs.values()) <= summary_budget(workspace):
        return Plan("single-pass", [sorted(costs)], not_read)
    windows: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index in sorted(costs):
        if costs[index] > budget:
            not_read.append(
                {
                    "page": index + 1,
                    "reason": f"partly read: {costs[index]} tokens, "
                    f"context budget {budget}; the page was cut to fit",
                }
            )
        if current and used + costs[index] > budget:
            windows.append(current)
            current, used = [], 0
        current.append(index)
        used += min(costs[index], budget)
    if current:
        windows.append(current)
    return Plan("map-reduce", windows, not_read)


class Summarizer:
    def __init__(self, workspace: Workspace, mode: Mode, progress: StepProgress | None = None):
        self.workspace = workspace
        self.mode = mode
        self.progress = progress
        self.store = SummaryStore(workspace.catalogue.engine)
        entry = workspace.model_entry()
        self.model_name = entry.label
        self.model_sha256 = model_fingerprint(entry.path)
        self.run_key = f"{self.model_sha256[:16]}:{mode.value}"

    def finished(self, document: DocumentInfo) -> tuple[str, str] | None:
        return self.store.finished(document.id, self.run_key)

    def forget(self, document: DocumentInfo) -> None:
        self.store.forget(document.id, self.run_key)

    def summarize(self, document: DocumentInfo) -> tuple[dict[str, object], str]:
        started = time.perf_counter()
        pages = document_pages(self.workspace, document.id)
        plan = plan_document(self.workspace, pages)
        tally = Tally()
        total_steps = (len(plan.windows) if plan.strategy == "map-reduce" else 0) + 1
        self._done = 0
        self._total = total_steps
        if plan.strategy == "single-pass":
            source = "\n\n".join(_page_block(i, pages[i]) for i in plan.windows[0])
        else:
            notes = [
                self._step(
                    document, f"map:{w[0] + 1}-{w[-1] + 1}", self._window(w, pages), MAP_TASK, tally
                )
                for w in plan.windows
            ]
            source = self._reduce(document, notes, tally)
        written = self._step(
            document, SUMMARY_STEP, source, summary_task(), tally, summary_tokens(self.workspace)
        )
        sections = split_sections(written)
        tally.seconds = time.perf_counter() - started
        one_based = {i + 1: text for i, text in pages.items()}
        record = build_record(document, self, plan, sections, tally, one_based)
        markdown = render_markdown(document, record, sections)
        return record, markdown

    def _window(self, window: list[int], pages: dict[int, str]) -> str:
        budget = self.workspace.engine.context_length - self.workspace.settings.max_answer_tokens
        budget -= PROMPT_OVERHEAD
        blocks = [_page_block(i, pages[i]) for i in window]
        text = "\n\n".join(blocks)
        while self.workspace.engine.count_tokens(text) > budget and len(text) > 200:
            text = text[: int(len(text) * 0.85)]  # a single page larger than the context
        return text

    def _reduce(self, document: DocumentInfo, notes: list[str], tally: Tally) -> str:
        engine = self.workspace.engine
        budget = summary_budget(self.workspace)  # the notes must fit the summary step
        level = 0
        while engine.count_tokens("\n\n".join(notes)) > budget and len(notes) > 1:
            level += 1
            groups: list[list[str]] = [[]]
            for note in notes:
                if groups[-1] and engine.count_tokens("\n\n".join([*groups[-1], note])) > budget:
                    groups.append([])
                groups[-1].append(note)
            if len(groups) == len(notes):  # each note alone fills the budget: pair them
                groups = [notes[i : i + 2] for i in range(0, len(notes), 2)]
            self._total += len(groups)
            notes = [
                self._step(document, f"reduce:{level}:{n}", "\n\n".join(g), REDUCE_TASK, tally)
                for n, g in enumerate(groups)
            ]
        return "\n\n".join(notes)

    def _step(
        self,
        document: DocumentInfo,
        key: str,
        source: str,
        task: str,
        tally: Tally,
        max_tokens: int | None = None,
    ) -> str:
        saved = self.store.step(document.id, self.run_key, key)
        if saved is not None:
            tally.resumed_steps += 1
            self._done += 1
            return saved
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{source}\n\n{task}"},
        ]
        limits = GenerationLimits(
            max_tokens=max_tokens or self.workspace.settings.max_answer_tokens, seed=0
        )
        parts: list[str] = []
        speed = 0.0
        for event in self.workspace.engine.stream(messages, self.mode, limits):  # type: ignore[arg-type]
            if isinstance(event, AnswerDelta):
                parts.append(event.text)
            elif isinstance(event, Usage):
                tally.prompt_tokens += event.prompt_tokens
                tally.completion_tokens += event.completion_tokens
                speed = event.decode_tokens_per_s
        output = "".join(parts).strip()
        self.store.save_step(document.id, self.run_key, key, output)
        tally.generated_steps += 1
        self._done += 1
        if self.progress:
            self.progress(key, self._done, self._total, speed)
        return output


def _page_block(index: int, text: str) -> str:
    return f"[p. {index + 1}]\n{text.strip()}"
