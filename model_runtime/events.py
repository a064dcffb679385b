"""Typed events a generation streams: reasoning text, answer text, then one usage record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's thinking; shown apart from the answer, never fed back."""

    text: str


@dataclass(frozen=True)
class AnswerDelta:
    """A piece of the answer text."""

    text: str


@dataclass(frozen=True)
class Usage:
    """The last event of every generation: token counts, speeds and why it stopped."""

    prompt_tokens: int
    completion_tokens: int
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    time_to_first_token_s: float
    stop_reason: str  # "stop", "length" or "cancelled"
    model: str
    mode: str  # the mode that ran: "fast" when a thinking request met a non-thinking model
    incomplete: bool = False  # stopped before the answer was finished (or never began)
    prompt_eval_tokens: int = 0  # prompt tokens computed now; the rest came from a cache
    cached_tokens: int = 0  # prompt tokens restored from the KV cache (memory or disk)
    reasoning_tokens: int = 0
    note: str = ""  # e.g. why thinking was not available, or that the budget ended it


Event = ReasoningDelta | AnswerDelta | Usage
