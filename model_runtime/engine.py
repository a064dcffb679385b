"""The engine port: what the rest of Archivist needs from a language model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypedDict

from model_runtime.events import Event


class Message(TypedDict):
    role: str
    content: str


class Mode(StrEnum):
    """Thinking reasons before answering; fast answers at once."""

    THINKING = "thinking"
    FAST = "fast"


@dataclass(frozen=True)
class Sampling:
    temperature: float
    top_p: float
    top_k: int
    min_p: float = 0.0


# What `Usage.note` says when an engine answered other than asked: part of the contract
# (tests/engine_contract.py), so every engine, the real one and the tests' fake, says it alike.
NO_THINKING_NOTE = "this model has no thinking mode; answered in fast mode"
JSON_FAST_NOTE = "JSON-constrained answers run in fast mode"
BUDGET_NOTE = "reasoning budget reached; the answer was forced"

# Qwen3's published recommendations for each mode.
SAMPLING = {
    Mode.THINKING: Sampling(temperature=0.6, top_p=0.95, top_k=20, min_p=0.0),
    Mode.FAST: Sampling(temperature=0.7, top_p=0.8, top_k=20, min_p=0.0),
}


@dataclass(frozen=True)
class GenerationLimits:
    """How much to generate and how to stop early.

    `reasoning_budget` caps the thinking (in tokens): when it runs out the engine closes the
    block itself and the model must answer. `cancel` is checked before every token and
    between prompt batches, so setting it stops the stream within one token. A
    `json_schema` constrains the answer to JSON matching it (a llama.cpp grammar).
    """

    max_tokens: int = 512
    seed: int | None = None
    reasoning_budget: int | None = None
    cancel: threading.Event | None = field(default=None, compare=False)
    json_schema: dict[str, object] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ModelInfo:
    """What a loaded model is and how it runs here."""

    name: str
    path: str
    architecture: str
    context_length: int
    native_context_length: int | None
    supports_thinking: bool
    settings: dict[str, object]

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class Engine(Protocol):
    """Streams a chat completion as typed events; the full answer is the join of its deltas."""

    @property
    def context_length(self) -> int: ...

    @property
    def model_name(self) -> str: ...

    @property
    def model_info(self) -> ModelInfo: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self, messages: list[Message], mode: Mode, limits: GenerationLimits
    ) -> Iterator[Event]: ...
