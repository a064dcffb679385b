"""A scripted engine for fast tests of the ask, cancel and streaming logic around a model.

It lives with the tests, not in the product, and is real code held to the same contract
as `LlamaCppEngine` (tests/engine_contract.py runs one suite against both), as simonw/llm's
`MockModel` is a model like any other. It
writes a fixed reply token by token — `<think>`, each character of the reasoning,
`</think>`, each character of the answer — and passes it through the same `ThinkSplitter`
as the real engine, so events, stop reasons, limits, budgets and cancellation behave alike.
What it cannot do is read: the reply does not depend on the prompt.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from model_runtime.engine import (
    BUDGET_NOTE,
    JSON_FAST_NOTE,
    NO_THINKING_NOTE,
    GenerationLimits,
    Message,
    Mode,
    ModelInfo,
)
from model_runtime.errors import ContextOverflowError
from model_runtime.events import Event, Usage
from model_runtime.thinking import CLOSE, FORCED_CLOSE, OPEN, ThinkSplitter


@dataclass(frozen=True)
class Reply:
    """What the fake writes for one request: reasoning (thinking mode only), then the answer."""

    answer: str
    reasoning: str = ""


class FakeEngine:
    """Streams scripted replies as typed events; one token per character, tags one token each.

    `replies` are used in turn and the last one repeats. `token_delay_s` slows each token
    down so that a test can cancel or interact while an answer streams. `calls` records
    every request (messages and mode) so tests can check what reached the model.
    """

    def __init__(
        self,
        replies: Sequence[Reply] = (Reply("XYZ", "abc"),),
        *,
        name: str = "fake",
        context_length: int = 4096,
        supports_thinking: bool = True,
        token_delay_s: float = 0.0,
    ) -> None:
        if not replies:
            raise ValueError("FakeEngine needs at least one reply")
        self._replies = list(replies)
        self._name = name
        self._context_length = context_length
        self.supports_thinking = supports_thinking
        self.token_delay_s = token_delay_s
        self.calls: list[tuple[list[Message], Mode]] = []

    @property
    def context_length(self) -> int:
        return self._context_length

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(
            name=self._name,
            path="",
            architecture="fake",
            context_length=self._context_length,
            native_context_length=self._context_length,
            supports_thinking=self.supports_thinking,
            settings={},
        )

    def count_tokens(self, text: str) -> int:
        """One token per UTF-8 byte: a stand-in that grows with the text as a tokenizer does."""
        return len(text.encode("utf-8"))

    def render_prompt(self, messages: list[Message], mode: Mode) -> str:
        turns = "".join(f"<|{m['role']}|>{m['content']}\n" for m in messages)
        return turns + ("<|assistant|>" if mode is Mode.THINKING else "<|assistant|>/no_think")

    def stream(
        self, messages: list[Message], mode: Mode, limits: GenerationLimits
    ) -> Iterator[Event]:
        started = time.perf_counter()
        note = ""
        if limits.json_schema is not None and mode is Mode.THINKING:
            mode, note = Mode.FAST, JSON_FAST_NOTE
        if mode is Mode.THINKING and not self.supports_thinking:
            mode, note = Mode.FAST, NO_THINKING_NOTE
        prompt_tokens = self.count_tokens(self.render_prompt(messages, mode))
        if prompt_tokens + limits.max_tokens > self._context_length:
            raise ContextOverflowError(prompt_tokens, limits.max_tokens, self._context_length)
        self.calls.append((list(messages), mode))
        reply = self._replies[min(len(self.calls) - 1, len(self._replies) - 1)]
        cancelled = limits.cancel is not None and limits.cancel.is_set()
        splitter = ThinkSplitter()
        generated = 0
        reasoning_tokens = 0
        first_token_at: float | None = None
        stop = "cancelled" if cancelled else "stop"
        forced = False
        pieces = _pieces(reply, mode)
        while not cancelled:
            try:
                piece = next(pieces)
            except StopIteration:
                break
            if limits.cancel is not None and limits.cancel.is_set():
                stop = "cancelled"
                break
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            if first_token_at is None:
                first_token_at = time.perf_counter()
            generated += 1
            yield from splitter.feed(piece)
            if splitter.in_reasoning:  # counts `<think>` itself, not `</think>`
                reasoning_tokens += 1
            if generated >= limits.max_tokens:
                stop = "length"
                break
            budget = limits.reasoning_budget
            if budget is not None and splitter.in_reasoning and reasoning_tokens >= budget:
                forced = True
                yield from splitter.feed(FORCED_CLOSE)
                pieces = iter(list(reply.answer))
        yield from splitter.finish()
        ended = time.perf_counter()
        first = first_token_at or ended
        elapsed = max(ended - started, 1e-9)
        yield Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=generated,
            prefill_tokens_per_s=prompt_tokens / elapsed if not cancelled else 0.0,
            decode_tokens_per_s=(generated - 1) / (ended - first) if ended > first else 0.0,
            time_to_first_token_s=first - started,
            stop_reason=stop,
            model=self._name,
            mode=mode.value,
            incomplete=stop != "stop" or not splitter.closed,
            prompt_eval_tokens=0 if cancelled else prompt_tokens,
            cached_tokens=0,
            reasoning_tokens=reasoning_tokens,
            note=note or (BUDGET_NOTE if forced else ""),
        )


def _pieces(reply: Reply, mode: Mode) -> Iterator[str]:
    """The raw completion, token by token, as a Qwen3 model writes it."""
    if mode is Mode.THINKING:
        yield OPEN
        yield from reply.reasoning
        yield CLOSE
    yield from reply.answer


__all__ = ["FakeEngine", "Reply"]
