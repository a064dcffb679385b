"""The llama.cpp adapter: the only module that imports `llama_cpp`."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from model_runtime.engine import SAMPLING, GenerationLimits, Message, Mode
from model_runtime.errors import ContextOverflowError, ModelFileError
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage
from model_runtime.registry import check_gguf
from model_runtime.thinking import ThinkSplitter


def physical_cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class LlamaCppEngine:
    """A GGUF model loaded through llama-cpp-python, streamed as typed events."""

    def __init__(
        self, path: Path, name: str, context_length: int = 4096, threads: int | None = None
    ) -> None:
        check_gguf(path)
        import llama_cpp

        self._name = name
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=context_length,
                n_threads=threads or physical_cores(),
                n_gpu_layers=-1,
                flash_attn=True,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelFileError(f"llama.cpp could not load {path.name}: {exc}") from exc

    @property
    def context_length(self) -> int:
        return int(self._llm.n_ctx())

    @property
    def model_name(self) -> str:
        return self._name

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(
        self, messages: list[Message], mode: Mode, limits: GenerationLimits
    ) -> Iterator[Event]:
        sampling = SAMPLING[mode]
        started = time.perf_counter()
        first_token_at: float | None = None
        completion_tokens = 0
        finish_reason = "stop"
        splitter = ThinkSplitter()
        try:
            chunks = self._llm.create_chat_completion(
                messages=cast(Any, list(messages)),
                stream=True,
                max_tokens=limits.max_tokens,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k,
                min_p=sampling.min_p,
                seed=limits.seed,
            )
            for chunk in cast(Iterator[Any], chunks):
                choice = chunk["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                if text:
                    if first_token_at is None:
                        first_token_at = time.perf_counter()
                    completion_tokens += 1
                    yield from splitter.feed(text)
                if choice.get("finish_reason"):
                    finish_reason = choice["finish_reason"]
        except ValueError as exc:
            if "exceed context window" in str(exc):
                raise ContextOverflowError(
                    _first_int(str(exc)), limits.max_tokens, self.context_length
                ) from exc
            raise
        yield from splitter.finish()
        ended = time.perf_counter()
        ttft = (first_token_at or ended) - started
        prompt_tokens = max(0, int(self._llm.n_tokens) - completion_tokens)
        decode_s = ended - (first_token_at or ended)
        yield Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            prefill_tokens_per_s=prompt_tokens / ttft if ttft > 0 else 0.0,
            decode_tokens_per_s=completion_tokens / decode_s if decode_s > 0 else 0.0,
            time_to_first_token_s=ttft,
            stop_reason=finish_reason,
            model=self._name,
            mode=mode.value,
            incomplete=finish_reason == "length" or not splitter.closed,
        )


def _first_int(text: str) -> int:
    digits = ""
    for char in text:
        if char.isdigit():
            digits += char
        elif digits:
            break
    return int(digits or 0)


__all__ = ["AnswerDelta", "LlamaCppEngine", "ReasoningDelta"]
