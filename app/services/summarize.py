"""Whole-document summaries with page citations: one pass when the document fits the
model's context, else map-reduce over page windows (hierarchically when the notes are still
too long). The four sections are written in one generation over the document (or the
notes), so the document is read once. Every step is checkpointed, so a killed batch
resumes where it stopped.

In thinking mode every step reserves room for the reasoning and caps it
(`reasoning_budget`, app/services/context.py), so the model must answer. A step that still
comes back empty, or a summary cut off by the token limit before all its sections, is
never saved as done: it is written once more in fast mode, and if that also leaves it
empty the document fails and the next run tries again. (A section the model chose not to
write, stopping on its own, is kept and flagged in the record's warnings.)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from app.errors import ArchivistError
from app.services.context import reasoning_room, thinking_limits
from app.services.ports import Summarizing
from app.services.summary_format import (
    SECTIONS,
    build_record,
    empty_sections,
    render_markdown,
    split_sections,
    summary_task,
)
from app.services.summary_record import Plan, SummaryRecord, Tally
from model_runtime.engine import Engine, GenerationLimits, Mode
from model_runtime.events import AnswerDelta, Usage
from retrieval.assembler import TokenBudget, TokenCounter
from retrieval.catalogue import Catalogue, DocumentInfo
from retrieval.citations import page_marker
from retrieval.process_lock import ProcessLock
from retrieval.storage.summary_store import SummaryStore

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
SUMMARY_STEP = "summary"  # the one generation that writes every section


class SummaryIncompleteError(ArchivistError):
    """The model left a step (or a section) empty, in thinking and in fast mode."""


def summary_tokens(context_length: int, answer_tokens: int) -> int:
    """The summary step writes every section: each gets what one answer would, within
    half the context (the other half reads)."""
    return min(len(SECTIONS) * answer_tokens, context_length // 2)


StepProgress = Callable[[str, int, int, float, str], None]  # step, done, total, tok/s, text


def step_budget(engine: Engine, answer_tokens: int, reasoning_tokens: int = 0) -> int:
    """Tokens a step's source text may use: the assembler's rule, with the system prompt
    and the longest instruction a step carries as the fixed texts."""
    longest = max([MAP_TASK, REDUCE_TASK, summary_task()], key=len)
    budget = TokenBudget(engine.context_length, answer_tokens, reasoning_tokens)
    return budget.free(engine, SYSTEM, "\n\n" + longest)


def plan_document(
    counter: TokenCounter, pages: dict[int, str], budget: int, single_budget: int | None = None
) -> Plan:
    """Single pass when every page fits `single_budget` (what the summary step may read;
    default `budget`) at once, else windows that each fit `budget`."""
    not_read: list[dict[str, object]] = []
    costs: dict[int, int] = {}
    for index, text in pages.items():
        if not text.strip():
            not_read.append({"page": index + 1, "reason": "no extractable text"})
            continue
        costs[index] = counter.count_tokens(_page_block(index, text) + "\n\n")  # + its separator
    if sum(costs.values()) <= (budget if single_budget is None else single_budget):
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
    """Summarises documents with the ports it is given: the catalogue (pages and the
    checkpoints), the engine (asked for only when a step must run, so finished documents
    never load the model), the answer reservation and the model's verified identity.
    `reasoning_budget` is the setting: thinking tokens per step (0: no fixed limit)."""

    def __init__(
        self,
        catalogue: Catalogue,
        engine: Callable[[], Engine],
        model: tuple[str, str],  # (label, verified SHA-256): what the record names
        answer_tokens: int,
        mode: Mode,
        progress: StepProgress | None = None,
        locks: Path | None = None,
        wait_s: float = 600.0,
        reasoning_budget: int = 0,
    ) -> None:
        """`locks`: a folder for the per-step locks that let two processes summarising one
        document take turns at each step (the second reuses the first's checkpoint)."""
        self.locks = locks
        self.wait_s = wait_s
        self.catalogue = catalogue
        self.reasoning_budget = reasoning_budget
        self._reasoning = 0  # tokens each step reserves for thinking (set per document)
        self.notes: list[dict[str, object]] = []  # this run's steps rewritten in fast mode
        self._engine = engine
        self.answer_tokens = answer_tokens
        self.mode = mode
        self.progress = progress
        self.store = SummaryStore(catalogue)
        self.model_name, self.model_sha256 = model
        self.run_key = f"{self.model_sha256[:16]}:{mode.value}"

    def finished(self, document: DocumentInfo) -> tuple[str, str] | None:
        return self.store.finished(document.id, self.run_key)

    def forget(self, document: DocumentInfo) -> None:
        self.store.forget(document.id, self.run_key)

    def summarize(self, document: DocumentInfo) -> tuple[SummaryRecord, str]:
        started = time.perf_counter()
        pages = self.catalogue.pages(document.id)
        engine = self._engine()
        self.notes = []
        thinking = self.mode is Mode.THINKING
        room = reasoning_room(self.reasoning_budget, engine.context_length) if thinking else 0
        self._reasoning = room
        self._budget = step_budget(engine, self.answer_tokens, room)  # a map step's pages
        self._summary_tokens = summary_tokens(engine.context_length - room, self.answer_tokens)
        self._summary_budget = step_budget(engine, self._summary_tokens, room)
        plan = plan_document(engine, pages, self._budget, self._summary_budget)
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
            document, SUMMARY_STEP, source, summary_task(), tally, self._summary_tokens
        )
        sections = split_sections(written)
        tally.seconds = time.perf_counter() - started
        one_based = {i + 1: text for i, text in pages.items()}
        model = (self.model_name, self.model_sha256)
        record = build_record(
            document, model, self.mode, plan, sections, tally, one_based, self.notes
        )
        markdown = render_markdown(document, record, sections)
        return record, markdown

    def _window(self, window: list[int], pages: dict[int, str]) -> str:
        budget = self._budget
        blocks = [_page_block(i, pages[i]) for i in window]
        text = "\n\n".join(blocks)
        while self._engine().count_tokens(text) > budget and len(text) > 200:
            text = text[: int(len(text) * 0.85)]  # a single page larger than the context
        return text

    def _reduce(self, document: DocumentInfo, notes: list[str], tally: Tally) -> str:
        engine = self._engine()
        budget = self._summary_budget  # the notes must fit the summary step
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
        if self.locks is None or self.store.step(document.id, self.run_key, key) is not None:
            return self._run_step(document, key, source, task, tally, max_tokens)
        name = hashlib.sha256(f"{document.id}|{self.run_key}|{key}".encode()).hexdigest()[:24]
        with ProcessLock(self.locks / f"{name}.lock", "this summary step").held(self.wait_s):
            return self._run_step(document, key, source, task, tally, max_tokens)

    def _run_step(
        self,
        document: DocumentInfo,
        key: str,
        source: str,
        task: str,
        tally: Tally,
        max_tokens: int | None,
    ) -> str:
        saved = self.store.step(document.id, self.run_key, key)
        if saved is not None and saved.strip():  # an empty step is never resumed as done
            tally.resumed_steps += 1
            prompt, completion = self.store.step_tokens(document.id, self.run_key, key)
            tally.prompt_tokens += prompt  # the record counts every run's tokens
            tally.completion_tokens += completion
            self._done += 1
            return saved
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{source}\n\n{task}"},
        ]
        answer = max_tokens or self.answer_tokens
        output, used, speed, thought, stop = self._generate(messages, self.mode, answer, tally)
        missing = _missing(key, output, stop)
        if missing and self.mode is Mode.THINKING:
            # Thinking filled its room and left the step empty: write it without thinking.
            self.notes.append(
                {
                    "kind": "rewritten_fast",
                    "step": key,
                    "text": f"thinking ({thought} tokens) left {', '.join(missing)} empty; "
                    "written again in fast mode",
                }
            )
            output, more, speed, _, stop = self._generate(messages, Mode.FAST, answer, tally)
            used = (used[0] + more[0], used[1] + more[1])
            missing = _missing(key, output, stop)
        if not output.strip():  # a step cut short with some text is kept, its gaps flagged
            raise SummaryIncompleteError(
                f"the model left {', '.join(missing)} empty in step {key}; nothing was saved "
                "for it (run the summary again, or try another model)"
            )
        self.store.save_step(document.id, self.run_key, key, output, used)
        tally.generated_steps += 1
        self._done += 1
        if self.progress:
            self.progress(key, self._done, self._total, speed, output)
        return output

    def _generate(
        self, messages: list[dict[str, str]], mode: Mode, answer_tokens: int, tally: Tally
    ) -> tuple[str, tuple[int, int], float, int, str]:
        """One generation: its answer text, (prompt, completion) tokens, decode speed,
        reasoning tokens and stop reason. In thinking mode the room reserved for reasoning
        is added to the answer's and the thinking is capped, so it cannot eat the answer."""
        max_tokens, cap = answer_tokens, 0
        if mode is Mode.THINKING and self._reasoning:
            max_tokens, cap = thinking_limits(
                self.reasoning_budget, answer_tokens, self._reasoning, 0
            )
        limits = GenerationLimits(max_tokens=max_tokens, seed=0, reasoning_budget=cap or None)
        parts: list[str] = []
        speed = 0.0
        used = (0, 0)
        thought = 0
        stop = ""
        for event in self._engine().stream(messages, mode, limits):  # type: ignore[arg-type]
            if isinstance(event, AnswerDelta):
                parts.append(event.text)
            elif isinstance(event, Usage):
                tally.prompt_tokens += event.prompt_tokens
                tally.completion_tokens += event.completion_tokens
                used = (used[0] + event.prompt_tokens, used[1] + event.completion_tokens)
                speed = event.decode_tokens_per_s
                thought = event.reasoning_tokens
                stop = event.stop_reason
        return "".join(parts).strip(), used, speed, thought, stop


def open_summarizer(
    workspace: Summarizing, mode: Mode, progress: StepProgress | None = None
) -> Summarizer:
    """A summarizer wired from the composition root: the model is the active one, named
    by the hash its store verified (not rehashed for every summary)."""
    entry = workspace.model_entry()
    model = (entry.label, workspace.models.fingerprint(entry))
    return Summarizer(
        workspace.catalogue,
        lambda: workspace.engine,
        model,
        workspace.settings.max_answer_tokens,
        mode,
        progress,
        reasoning_budget=workspace.settings.reasoning_budget,
        locks=workspace.home / "cache" / "summary-locks",
        wait_s=workspace.settings.lock_wait_s,
    )


def _page_block(index: int, text: str) -> str:
    return f"{page_marker(index)}\n{text.strip()}"


def _missing(key: str, output: str, stop: str) -> list[str]:
    """What a step's output lacks: any text at all, or (the summary step, cut off by the
    token limit) the sections it never reached."""
    if not output.strip():
        return [title for _name, title, _task in SECTIONS] if key == SUMMARY_STEP else ["its notes"]
    if key == SUMMARY_STEP and stop == "length":
        return empty_sections(split_sections(output))
    return []
