"""`EngineContract`: the behaviour every `Engine` must show, whichever model runs behind it.

Subclass it and provide three fixtures: an engine whose thinking-mode reply is the
reasoning "abc" and the answer "XYZ" (`engine`), one whose reasoning never ends
(`endless_engine`, reasoning "abc" repeated, then "XYZ" when forced to answer) and one
without a thinking mode (`plain_engine`, answering "X..."). pytest collects the subclass's
tests. Two subclasses run them, against `LlamaCppEngine` on tiny Qwen3 GGUFs and against
`FakeEngine`, in
    tests/model_runtime/test_engine_contract.py
so a test that uses the fake relies only on what the real engine does too.
"""

from __future__ import annotations

import threading

import pytest

from model_runtime.engine import (
    BUDGET_NOTE,
    JSON_FAST_NOTE,
    NO_THINKING_NOTE,
    Engine,
    GenerationLimits,
    Message,
    Mode,
)
from model_runtime.errors import ContextOverflowError
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage

HELLO: list[Message] = [{"role": "user", "content": "What was capex?"}]


def collect(
    engine: Engine, mode: Mode, limits: GenerationLimits, messages: list[Message] = HELLO
) -> tuple[str, str, Usage, list[Event]]:
    events = list(engine.stream(messages, mode, limits))
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    usage = events[-1]
    assert isinstance(usage, Usage)
    assert not any(isinstance(e, Usage) for e in events[:-1]), "one Usage, and it comes last"
    return reasoning, answer, usage, events


class EngineContract:
    def test_thinking_streams_reasoning_then_answer_then_usage(self, engine: Engine) -> None:
        reasoning, answer, usage, events = collect(
            engine, Mode.THINKING, GenerationLimits(max_tokens=32, seed=1)
        )
        assert (reasoning, answer) == ("abc", "XYZ")
        kinds = [type(e).__name__ for e in events]
        assert kinds == ["ReasoningDelta"] * 3 + ["AnswerDelta"] * 3 + ["Usage"]
        assert (usage.mode, usage.stop_reason, usage.incomplete) == ("thinking", "stop", False)
        assert usage.completion_tokens == 8  # <think> a b c </think> X Y Z
        assert usage.reasoning_tokens == 4  # <think> a b c
        assert usage.model == engine.model_name
        assert usage.prompt_tokens > 0
        assert usage.prompt_tokens == usage.prompt_eval_tokens + usage.cached_tokens
        assert usage.time_to_first_token_s > 0

    def test_fast_mode_answers_without_reasoning(self, engine: Engine) -> None:
        reasoning, answer, usage, _ = collect(engine, Mode.FAST, GenerationLimits(32, seed=1))
        assert (reasoning, answer) == ("", "XYZ")
        assert (usage.mode, usage.stop_reason, usage.incomplete) == ("fast", "stop", False)
        assert usage.reasoning_tokens == 0 and usage.note == ""

    def test_same_seed_same_events(self, engine: Engine) -> None:
        first = collect(engine, Mode.THINKING, GenerationLimits(32, seed=7))[3]
        second = collect(engine, Mode.THINKING, GenerationLimits(32, seed=7))[3]
        assert first[:-1] == second[:-1]

    def test_max_tokens_stops_with_length_and_marks_it_incomplete(self, engine: Engine) -> None:
        reasoning, answer, usage, _ = collect(engine, Mode.THINKING, GenerationLimits(3, seed=1))
        assert (reasoning, answer) == ("ab", "")
        assert (usage.stop_reason, usage.incomplete, usage.completion_tokens) == ("length", True, 3)

    def test_unclosed_reasoning_is_incomplete(self, endless_engine: Engine) -> None:
        reasoning, answer, usage, _ = collect(
            endless_engine, Mode.THINKING, GenerationLimits(12, seed=1)
        )
        assert reasoning.startswith("abcabc") and answer == ""
        assert (usage.stop_reason, usage.incomplete) == ("length", True)
        assert usage.completion_tokens == 12

    def test_reasoning_budget_forces_the_answer(self, endless_engine: Engine) -> None:
        limits = GenerationLimits(40, seed=1, reasoning_budget=5)
        reasoning, answer, usage, _ = collect(endless_engine, Mode.THINKING, limits)
        assert reasoning.strip() == "abca"  # <think> + 4 letters = 5 reasoning tokens
        assert answer == "XYZ"
        assert (usage.stop_reason, usage.incomplete, usage.note) == ("stop", False, BUDGET_NOTE)
        assert usage.reasoning_tokens == 5

    def test_cancel_mid_stream_stops_within_one_token(self, endless_engine: Engine) -> None:
        cancel = threading.Event()
        events: list[Event] = []
        after_cancel = 0
        limits = GenerationLimits(200, cancel=cancel)
        for event in endless_engine.stream(HELLO, Mode.THINKING, limits):
            events.append(event)
            if cancel.is_set() and not isinstance(event, Usage):
                after_cancel += 1
            if len(events) == 4:
                cancel.set()
        usage = events[-1]
        assert isinstance(usage, Usage)
        assert (usage.stop_reason, usage.incomplete) == ("cancelled", True)
        assert after_cancel <= 1
        assert usage.completion_tokens <= 5

    def test_cancel_before_the_prompt_is_read(self, endless_engine: Engine) -> None:
        cancel = threading.Event()
        cancel.set()
        _, _, usage, events = collect(endless_engine, Mode.FAST, GenerationLimits(cancel=cancel))
        assert len(events) == 1
        assert (usage.stop_reason, usage.completion_tokens, usage.prompt_eval_tokens) == (
            "cancelled",
            0,
            0,
        )

    def test_overflow_is_raised_before_any_event_and_the_engine_still_works(
        self, engine: Engine
    ) -> None:
        context = engine.context_length
        long: list[Message] = [{"role": "user", "content": "revenue grew " * (context // 2)}]
        stream = engine.stream(long, Mode.FAST, GenerationLimits(max_tokens=64))
        with pytest.raises(ContextOverflowError) as raised:
            next(stream)
        error = raised.value
        assert (error.context_length, error.reserved) == (context, 64)
        assert error.prompt_tokens > context - 64
        assert str(error.prompt_tokens) in str(error) and "\n" not in str(error)
        assert collect(engine, Mode.FAST, GenerationLimits(8, seed=1))[1] == "XYZ"

    def test_json_schema_runs_in_fast_mode(self, engine: Engine) -> None:
        schema: dict[str, object] = {"type": "object", "properties": {}}
        limits = GenerationLimits(16, seed=1, json_schema=schema)
        reasoning, _, usage, _ = collect(engine, Mode.THINKING, limits)
        assert (reasoning, usage.mode, usage.note) == ("", "fast", JSON_FAST_NOTE)

    def test_a_model_without_thinking_answers_fast_and_says_so(self, plain_engine: Engine) -> None:
        reasoning, answer, usage, _ = collect(plain_engine, Mode.THINKING, GenerationLimits(8))
        assert (reasoning, answer[:1]) == ("", "X")
        assert (usage.mode, usage.note) == ("fast", NO_THINKING_NOTE)
        assert plain_engine.model_info.supports_thinking is False

    def test_model_info_describes_the_engine(self, engine: Engine) -> None:
        info = engine.model_info
        assert info.name == engine.model_name
        assert info.context_length == engine.context_length
        assert info.supports_thinking is True

    def test_token_counts_grow_with_the_text(self, engine: Engine) -> None:
        assert engine.count_tokens("") == 0
        one = engine.count_tokens("revenue")
        assert 0 < one < engine.count_tokens("revenue " * 20)
