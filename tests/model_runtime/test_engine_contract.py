"""One engine contract, two engines: llama.cpp on tiny Qwen3 GGUFs, and the scripted fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_runtime.engine import Engine
from model_runtime.llama_engine import LlamaCppEngine
from tests.engine_contract import EngineContract
from tests.fake_engine import FakeEngine, Reply


def load(path: Path) -> LlamaCppEngine:
    return LlamaCppEngine(path, path.stem, context_length=1024, threads=1)


class TestLlamaCppEngine(EngineContract):
    @pytest.fixture(scope="class")
    def engine(self, tiny_models: dict[str, Path]) -> Engine:
        return load(tiny_models["qwen3"])

    @pytest.fixture(scope="class")
    def endless_engine(self, tiny_models: dict[str, Path]) -> Engine:
        return load(tiny_models["endless"])

    @pytest.fixture(scope="class")
    def plain_engine(self, tiny_models: dict[str, Path]) -> Engine:
        return load(tiny_models["plain"])


class TestFakeEngine(EngineContract):
    @pytest.fixture
    def engine(self) -> Engine:
        return FakeEngine([Reply("XYZ", reasoning="abc")], context_length=1024)

    @pytest.fixture
    def endless_engine(self) -> Engine:
        return FakeEngine([Reply("XYZ", reasoning="abc" * 100)], context_length=1024)

    @pytest.fixture
    def plain_engine(self) -> Engine:
        return FakeEngine([Reply("XYZ")], supports_thinking=False)


def test_the_fake_uses_its_replies_in_turn_and_records_each_request() -> None:
    fake = FakeEngine([Reply("first"), Reply("second")])
    from model_runtime.engine import GenerationLimits, Mode
    from tests.engine_contract import HELLO, collect

    answers = [collect(fake, Mode.FAST, GenerationLimits(32))[1] for _ in range(3)]
    assert answers == ["first", "second", "second"]
    assert [mode for _, mode in fake.calls] == [Mode.FAST] * 3
    assert fake.calls[0][0] == HELLO
