"""ContextAssembler: the prompt the model reads, fitted to a token budget, with a report.

Budget = model context - reserved answer tokens - reasoning budget (thinking mode) -
system prompt - a chat-template allowance, counted with an injected `TokenCounter`
(production: the model's own tokenizer; tests may use any real one). Modes: `whole`
puts the scoped documents in full, every page a labelled source; `evidence` puts the
ranked evidence units, grouped by document in page order; `auto` is whole when it fits,
else evidence. Nothing is dropped silently: every candidate left out is in the report
with its reason (budget, filter, duplicate), and a prompt that cannot fit at all raises
`PromptTooLongError` naming the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from retrieval.citations import marker
from retrieval.errors import PromptTooLongError
from retrieval.prompt import SYSTEM_PROMPT, block, build_messages, user_message
from retrieval.types import Evidence

TEMPLATE_ALLOWANCE = 32  # role markers and separators the chat template adds


class TokenCounter(Protocol):
    def count_tokens(self, text: str) -> int: ...


class CachedCounter:
    """Remembers counts by text, so a document's pages are tokenized once per process."""

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
    ) -> None:
        self._counter = counter if isinstance(counter, CachedCounter) else CachedCounter(counter)
        self.context_length = context_length
        self.answer_tokens = answer_tokens
        self.reasoning_tokens = reasoning_tokens
        self.system_prompt = system_prompt

    def _count(self, text: str) -> int:
        return self._counter.count_tokens(text)

    def assemble(
        self,
        question: str,
        evidence: list[Evidence],
        documents: list[Evidence] | None = None,
        mode: ContextMode = ContextMode.AUTO,
        scope: str = "",
        filtered: list[Omission] | None = None,
    ) -> AssembledPrompt:
        """The messages for `question`, documents first; `documents` are pages in order."""
        report = ContextReport(
            mode_requested=mode.value,
            context_length=self.context_length,
            answer_tokens=self.answer_tokens,
            reasoning_tokens=self.reasoning_tokens,
            system_tokens=self._count(self.system_prompt),
            question_tokens=self._count(user_message([], question)),
            scope=scope,
            omitted=list(filtered or []),
        )
        free = self._free(report)
        if report.question_tokens > free:
            raise self._too_long(report, report.question_tokens, free, "the question alone")
        if mode != ContextMode.EVIDENCE:
            whole = self._whole(question, documents or [], report, free)
            if whole is not None:
                return whole
            if mode == ContextMode.WHOLE:
                needed = report.question_tokens + sum(self._count(c.text) for c in documents or [])
                raise self._too_long(report, needed, free, "the whole of the scoped documents")
        return self._evidence(question, evidence, report, free)

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
        self, question: str, pages: list[Evidence], report: ContextReport, free: int
    ) -> AssembledPrompt | None:
        if not pages:
            report.notes.append("whole: no scoped documents to put in full")
            return None
        kept = [p for p in pages if p.text.strip()]
        empty = [p for p in pages if not p.text.strip()]
        cheap_bound = sum(len(p.text) for p in kept) // 8  # no tokenizer gives fewer
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
        user = user_message(sources, question)
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
        return AssembledPrompt(
            build_messages(sources, question, self.system_prompt), sources, report
        )

    def _evidence(
        self, question: str, ranked: list[Evidence], report: ContextReport, free: int
    ) -> AssembledPrompt:
        report.mode_used = ContextMode.EVIDENCE.value
        chosen: list[tuple[Evidence, int]] = []
        used = report.question_tokens
        seen_text: set[str] = set()
        for candidate in ranked:
            label = candidate.label
            covered = any(
                c.document_id == candidate.document_id
                and c.first_page <= candidate.first_page
                and candidate.last_page <= c.last_page
                for c, _ in chosen
            )
            if covered or candidate.text.strip() in seen_text:
                report.omitted.append(Omission(label, "duplicate", None, "already included"))
                continue
            size = self._count(block(candidate.numbered(len(chosen) + 1))) + 2
            if used + size > free:
                report.omitted.append(Omission(label, "budget", size, f"{free - used} free"))
                continue
            chosen.append((candidate, size))
            seen_text.add(candidate.text.strip())
            used += size
        if ranked and not chosen:
            smallest = min(self._count(c.text) for c in ranked)
            raise self._too_long(
                report, report.question_tokens + smallest, free, "the smallest evidence unit"
            )
        while True:
            sources, sizes = self._ordered(chosen)
            user = user_message(sources, question)
            report.user_tokens = self._count(user)
            if report.user_tokens <= free or not chosen:
                break
            dropped, size = chosen.pop()  # exact count is over: drop the lowest-ranked unit
            report.omitted.append(
                Omission(dropped.label, "budget", size, "exact count over budget")
            )
        report.included = [(s.label, n) for s, n in zip(sources, sizes, strict=True)]
        report.sources_tokens = report.user_tokens - report.question_tokens
        return AssembledPrompt(
            build_messages(sources, question, self.system_prompt), sources, report
        )

    @staticmethod
    def _ordered(chosen: list[tuple[Evidence, int]]) -> tuple[list[Evidence], list[int]]:
        """Grouped by document (best-ranked document first), pages in order within each."""
        first_rank: dict[str, int] = {}
        for rank, (c, _) in enumerate(chosen):
            first_rank.setdefault(c.document_id, rank)
        ordered = sorted(chosen, key=lambda cs: (first_rank[cs[0].document_id], cs[0].first_page))
        sources = [c.numbered(i) for i, (c, _) in enumerate(ordered, start=1)]
        return sources, [size for _, size in ordered]
