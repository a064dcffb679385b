"""ContextAssembler: the prompt the model reads, fitted to a token budget, with a report.

Budget = model context - reserved answer tokens - reasoning budget (thinking mode) -
system prompt - a chat-template allowance, counted with an injected `TokenCounter`
(production: the model's own tokenizer; tests may use any real one). Modes: `whole`
puts the scoped documents in full, every page a labelled source; `evidence` puts the
ranked evidence units, grouped by document in page order; `auto` is whole when it fits,
else evidence. Evidence fills the budget: ranked units are taken until it is full (the
first `floor` units, top_k, are always offered a place), each as whole pages where they fit
and as a passage (its best chunks with their neighbours, tables whole) or an excerpt (its
best chunk) where they do not; so when a document does not fit whole, as many of its
ranked pages as fit go in, in page order. Nothing is dropped silently: every candidate left
out is in the report with its reason (budget, filter, duplicate), and a prompt that cannot
fit at all raises `PromptTooLongError` naming the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from retrieval.citations import marker
from retrieval.errors import PromptTooLongError
from retrieval.prompt import SYSTEM_PROMPT, block, build_messages, question_block, user_message
from retrieval.types import Evidence

TEMPLATE_ALLOWANCE = 32  # role markers and separators the chat template adds
BLOCK_SEPARATOR = 2  # the blank line between two source blocks
CHARS_PER_TOKEN = 8  # no tokenizer makes fewer tokens than characters / 8: a free bound


class TokenCounter(Protocol):
    def count_tokens(self, text: str) -> int: ...


class CachedCounter:
    """Remembers counts by text, so a page is tokenized once per question (an assembler,
    built per question, wraps its counter in one) however often fitting tries it."""

    def __init__(self, counter: TokenCounter, limit: int = 50_000) -> None:
        self._counter = counter
        self._counts: dict[str, int] = {}
        self._limit = limit

    def count_tokens(self, text: str) -> int:
        count = self._counts.get(text)
        if count is None:
            count = self._counter.count_tokens(text)
            if len(self._counts) >= self._limit:
                self._counts.clear()
            self._counts[text] = count
        return count


@dataclass(frozen=True)
class TokenBudget:
    """The one budget rule, for answers and summaries alike: what a prompt may use is the
    model's context less the tokens reserved for the answer (and reasoning), the chat
    template's allowance and the fixed texts (system prompt, instructions) it carries."""

    context_length: int
    answer_tokens: int
    reasoning_tokens: int = 0

    def free(self, counter: TokenCounter, *fixed: str) -> int:
        return (
            self.context_length
            - self.answer_tokens
            - self.reasoning_tokens
            - TEMPLATE_ALLOWANCE
            - sum(counter.count_tokens(text) for text in fixed)
        )


class ContextMode(StrEnum):
    WHOLE = "whole"
    EVIDENCE = "evidence"
    AUTO = "auto"


@dataclass(frozen=True)
class Omission:
    label: str
    reason: str  # "budget", "filter" or "duplicate"
    tokens: int | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class ContextReport:
    mode_requested: str
    mode_used: str = ""
    context_length: int = 0
    answer_tokens: int = 0
    reasoning_tokens: int = 0
    system_tokens: int = 0
    template_tokens: int = TEMPLATE_ALLOWANCE
    question_tokens: int = 0
    sources_tokens: int = 0
    user_tokens: int = 0  # the whole user message, counted exactly
    scope: str = ""
    included: list[tuple[str, int]] = field(default_factory=list)
    omitted: list[Omission] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def prompt_tokens(self) -> int:
        return self.system_tokens + self.template_tokens + self.user_tokens

    @property
    def free_tokens(self) -> int:
        return self.context_length - self.answer_tokens - self.reasoning_tokens - self.prompt_tokens

    def omitted_labels(self) -> list[str]:
        return [f"{o.label} ({o.reason})" for o in self.omitted]

    def as_dict(self) -> dict[str, object]:
        return {
            "mode_requested": self.mode_requested,
            "mode_used": self.mode_used,
            "scope": self.scope,
            "tokens": {
                "context": self.context_length,
                "answer_reserved": self.answer_tokens,
                "reasoning_reserved": self.reasoning_tokens,
                "system": self.system_tokens,
                "template_allowance": self.template_tokens,
                "question": self.question_tokens,
                "sources": self.sources_tokens,
                "prompt": self.prompt_tokens,
                "free": self.free_tokens,
            },
            "included": [{"source": label, "tokens": tokens} for label, tokens in self.included],
            "omitted": [o.as_dict() for o in self.omitted],
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        out = [
            f"context: {self.mode_used} (asked {self.mode_requested}); scope: {self.scope}",
            f"tokens: context {self.context_length} = prompt {self.prompt_tokens} "
            f"(system {self.system_tokens}, template {self.template_tokens}, question "
            f"{self.question_tokens}, sources {self.sources_tokens}) + answer "
            f"{self.answer_tokens} + reasoning {self.reasoning_tokens} + free {self.free_tokens}",
            f"included {len(self.included)} source(s):",
        ]
        out += [
            f"  {marker(i)} {label}  {tokens} tokens"
            for i, (label, tokens) in enumerate(self.included, start=1)
        ]
        out.append(f"omitted {len(self.omitted)} source(s):")
        out += [
            f"  {o.label}  {o.reason}"
            + (f" ({o.tokens} tokens)" if o.tokens else "")
            + (f": {o.detail}" if o.detail else "")
            for o in self.omitted
        ]
        out += [f"note: {n}" for n in self.notes]
        return out


@dataclass
class AssembledPrompt:
    messages: list[dict[str, str]]
    sources: list[Evidence]
    report: ContextReport


class ContextAssembler:
    def __init__(
        self,
        counter: TokenCounter,
        context_length: int,
        answer_tokens: int,
        reasoning_tokens: int = 0,
        system_prompt: str = SYSTEM_PROMPT,
        floor: int = 5,
    ) -> None:
        self._counter = counter if isinstance(counter, CachedCounter) else CachedCounter(counter)
        self.context_length = context_length
        self.answer_tokens = answer_tokens
        self.reasoning_tokens = reasoning_tokens
        self.system_prompt = system_prompt
        self.floor = floor  # top_k: these units get a place, as passages if need be

    def _count(self, text: str) -> int:
        return self._counter.count_tokens(text)

    def assemble(
        self,
        question: str,
        evidence: list[Evidence] | Callable[[], list[Evidence]],
        documents: list[Evidence] | Callable[[], list[Evidence]] | None = None,
        mode: ContextMode = ContextMode.AUTO,
        scope: str = "",
        filtered: list[Omission] | None = None,
        documents_chars: int | None = None,
    ) -> AssembledPrompt:
        """The messages for `question`, documents first; `documents` are pages in order.

        `evidence` may be a function that ranks it: it is called only when the whole
        documents do not fit, so a question about a short document ranks nothing.
        `documents` may be a function that reads them: in `auto` mode it is not called
        when `documents_chars` (their characters, stored at ingest) show they cannot fit."""
        asked = question_block(question)
        report = ContextReport(
            mode_requested=mode.value,
            context_length=self.context_length,
            answer_tokens=self.answer_tokens,
            reasoning_tokens=self.reasoning_tokens,
            system_tokens=self._count(self.system_prompt),
            question_tokens=self._count(user_message([], asked)),
            scope=scope,
            omitted=list(filtered or []),
        )
        free = self._free(report)
        if report.question_tokens > free:
            raise self._too_long(report, report.question_tokens, free, "the question alone")
        bound = (documents_chars or 0) // CHARS_PER_TOKEN
        if mode == ContextMode.AUTO and bound > free:
            report.notes.append(
                f"whole: the scoped documents need over {bound} tokens, {free} free"
            )
        elif mode != ContextMode.EVIDENCE:
            pages = (documents() if callable(documents) else documents) or []
            whole = self._whole(asked, pages, report, free)
            if whole is not None:
                return whole
            if mode == ContextMode.WHOLE:
                needed = report.question_tokens + sum(self._count(c.text) for c in pages)
                raise self._too_long(report, needed, free, "the whole of the scoped documents")
        ranked = evidence() if callable(evidence) else evidence
        return self._evidence(asked, ranked, report, free)

    def _free(self, report: ContextReport) -> int:
        budget = TokenBudget(self.context_length, self.answer_tokens, self.reasoning_tokens)
        return budget.free(self._counter, self.system_prompt)

    def _too_long(
        self, report: ContextReport, needed: int, free: int, what: str
    ) -> PromptTooLongError:
        return PromptTooLongError(
            needed,
            free,
            self.context_length,
            self.answer_tokens,
            self.reasoning_tokens,
            report.system_tokens + report.template_tokens,
            what,
        )

    def _whole(
        self, asked: str, pages: list[Evidence], report: ContextReport, free: int
    ) -> AssembledPrompt | None:
        if not pages:
            report.notes.append("whole: no scoped documents to put in full")
            return None
        kept = [p for p in pages if p.text.strip()]
        empty = [p for p in pages if not p.text.strip()]
        cheap_bound = sum(len(p.text) for p in kept) // CHARS_PER_TOKEN
        if cheap_bound > free:
            report.notes.append(
                f"whole: the scoped documents need over {cheap_bound} tokens, {free} free"
            )
            return None
        sources = [c.numbered(i) for i, c in enumerate(kept, start=1)]
        sizes = [self._count(block(s)) for s in sources]
        if report.question_tokens + sum(sizes) > free:
            report.notes.append(
                f"whole: the scoped documents need {report.question_tokens + sum(sizes)} "
                f"tokens, {free} free"
            )
            return None
        user = user_message(sources, asked)
        report.user_tokens = self._count(user)
        if report.user_tokens > free:
            report.notes.append(f"whole: {report.user_tokens} tokens, {free} free")
            return None
        report.mode_used = ContextMode.WHOLE.value
        report.included = [(s.label, n) for s, n in zip(sources, sizes, strict=True)]
        report.sources_tokens = report.user_tokens - report.question_tokens
        report.omitted += [
            Omission(f"{p.document_name} p.{p.first_page + 1}", "filter", 0, "page has no text")
            for p in empty
        ]
        return AssembledPrompt(build_messages(sources, asked, self.system_prompt), sources, report)

    def _evidence(
        self, asked: str, ranked: list[Evidence], report: ContextReport, free: int
    ) -> AssembledPrompt:
        report.mode_used = ContextMode.EVIDENCE.value
        unique = self._unique(ranked, report)
        room = free - report.question_tokens
        floor = unique[: self.floor]
        smallest = [self._size(c, c.levels()[-1]) for c in floor]
        chosen: list[tuple[Evidence, int]] = []
        whole: dict[int, str] = {}  # the whole-pages text of each unit chosen, by id
        used = 0
        for rank, candidate in enumerate(unique):
            reserve = sum(smallest[rank + 1 :]) if rank < len(floor) else 0
            # Leave the rest of the floor room for their smallest form; a unit that cannot
            # then fit at all still takes its smallest form if it fits: rank comes first.
            fitted = self._fit(candidate, room - used - reserve) or self._fit(
                candidate, room - used, smallest=True
            )
            if fitted is None:
                report.omitted.append(
                    Omission(candidate.label, "budget", None, f"{room - used} free")
                )
                continue
            chosen.append(fitted)
            whole[id(fitted[0])] = candidate.text
            used += fitted[1]
        if unique and not chosen:
            raise self._too_long(
                report, report.question_tokens + min(smallest), free, "the smallest evidence unit"
            )
        while True:
            sources, sizes = self._ordered(chosen)
            user = user_message(sources, asked)
            report.user_tokens = self._count(user)
            if report.user_tokens <= free or not chosen:
                break
            dropped, size = chosen.pop()  # exact count is over: drop the lowest-ranked unit
            report.omitted.append(
                Omission(dropped.label, "budget", size, "exact count over budget")
            )
        report.included = [
            (s.label + ("" if s.text == whole[id(c)] else " (passage)"), n)
            for (c, n), s in zip(self._in_order(chosen), sources, strict=True)
        ]
        report.sources_tokens = report.user_tokens - report.question_tokens
        return AssembledPrompt(build_messages(sources, asked, self.system_prompt), sources, report)

    def _unique(self, ranked: list[Evidence], report: ContextReport) -> list[Evidence]:
        """Ranked units less repeats: the same text, or pages an earlier unit covers."""
        unique: list[Evidence] = []
        seen_text: set[str] = set()
        for candidate in ranked:
            covered = any(
                c.document_id == candidate.document_id
                and c.first_page <= candidate.first_page
                and candidate.last_page <= c.last_page
                for c in unique
            )
            if covered or candidate.text.strip() in seen_text:
                label = candidate.label
                report.omitted.append(Omission(label, "duplicate", None, "already included"))
                continue
            unique.append(candidate)
            seen_text.add(candidate.text.strip())
        return unique

    def _size(self, candidate: Evidence, text: str) -> int:
        return self._count(block(replace(candidate, text=text))) + BLOCK_SEPARATOR

    def _fit(
        self, candidate: Evidence, room: int, smallest: bool = False
    ) -> tuple[Evidence, int] | None:
        """The unit at the longest of its levels (whole pages, passage, excerpt) that fits
        `room` (only its shortest with `smallest`), its text replaced by the level chosen."""
        levels = candidate.levels()
        for text in levels[-1:] if smallest else levels:
            if len(text) // CHARS_PER_TOKEN > room:  # it cannot fit: skip the count
                continue
            size = self._size(candidate, text)
            if size <= room:
                return replace(candidate, text=text, passages=()), size
        return None

    @staticmethod
    def _in_order(chosen: list[tuple[Evidence, int]]) -> list[tuple[Evidence, int]]:
        """Grouped by document (best-ranked document first), pages in order within each."""
        first_rank: dict[str, int] = {}
        for rank, (c, _) in enumerate(chosen):
            first_rank.setdefault(c.document_id, rank)
        return sorted(chosen, key=lambda cs: (first_rank[cs[0].document_id], cs[0].first_page))

    def _ordered(self, chosen: list[tuple[Evidence, int]]) -> tuple[list[Evidence], list[int]]:
        ordered = self._in_order(chosen)
        sources = [c.numbered(i) for i, (c, _) in enumerate(ordered, start=1)]
        return sources, [size for _, size in ordered]
