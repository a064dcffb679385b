"""The engine port: what the rest of Archivist needs from a language model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


# Qwen3's published recommendations for each mode.
SAMPLING = {
    Mode.THINKING: Sampling(temperature=0.6, top_p=0.95, top_k=20, min_p=0.0),
    Mode.FAST: Sampling(temperature=0.7, top_p=0.8, top_k=20, min_p=0.0),
}


@dataclass(frozen=True)
class GenerationLimits:
    max_tokens: int = 512
    seed: int | None = None


class Engine(Protocol):
    """Streams a chat completion as typed events; the full answer is the join of its deltas."""

    @property
    def context_length(self) -> int: ...

    @property
    def model_name(self) -> str: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self, messages: list[Message], mode: Mode, limits: GenerationLimits
    ) -> Iterator[Event]: ...
