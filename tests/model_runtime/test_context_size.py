"""The automatic context: trained range, memory and time to first token, and its reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import load_settings
from app.workspace import Workspace
from model_runtime.context_size import (
    ContextChoice,
    ModelShape,
    choose_context,
    shape_of,
)
from model_runtime.errors import ModelError
from model_runtime.gguf_file import check_gguf
from model_runtime.prefill_probe import PrefillSample
from model_runtime.registry import recommend

GB = 10**9
# Qwen3-8B's shape as its GGUF states it (Q4_K_M: 5.03 GB).
QWEN3_8B = ModelShape(
    architecture="qwen3",
    layers=36,
    embedding=4096,
    heads=32,
    kv_heads=8,
    key_length=128,
    value_length=128,
    feed_forward=12288,
    experts_used=1,
    native_context=32_768,
    file_bytes=int(5.03 * GB),
)


def choose(rate: float, memory_gb: float = 256, target: float = 30.0) -> ContextChoice:
    return choose_context(QWEN3_8B, int(memory_gb * GB), "RAM", 256, rate, target)


def test_a_fast_big_machine_gets_the_whole_yarn_range() -> None:
    choice = choose(rate=50_000)
    assert (choice.context_length, choice.limit) == (131_072, "trained")
    assert "limited by the model's trained range" in choice.describe()


def test_memory_limits_the_context_with_the_numbers() -> None:
    choice = choose(rate=50_000, memory_gb=10)
    assert choice.limit == "memory"
    used = QWEN3_8B.file_bytes + QWEN3_8B.kv_bytes(choice.context_length) + 1.5e9
    assert used <= 10 * GB
    assert QWEN3_8B.file_bytes + QWEN3_8B.kv_bytes(choice.context_length + 1024) + 1.5e9 > 10 * GB
    assert "RAM 10.0 GB holds" in choice.describe()


def test_prefill_speed_limits_the_context_within_the_target() -> None:
    choice = choose(rate=200)
    assert choice.limit == "ttft"
    assert choice.estimated_ttft_s is not None and choice.estimated_ttft_s <= 30
    slower = QWEN3_8B.prefill_seconds(choice.context_length + 1024, 256, 200)
    assert slower > 30
    assert "200 tok/s" in choice.describe() and "30 s TTFT target" in choice.describe()


def test_where_a_32k_prefill_fits_the_target_the_context_is_at_least_32k() -> None:
    # The slowest rate at which a 32,768-token prefill still takes 30 s.
    rate = 1.0
    while QWEN3_8B.prefill_seconds(32_768, 256, rate) > 30:
        rate *= 1.05
    assert choose(rate=rate).context_length >= 32_768
    assert choose(rate=rate / 1.2).context_length < 32_768


def test_long_prefills_are_slower_per_token_than_the_probe() -> None:
    short = QWEN3_8B.prefill_seconds(256, 256, 1000.0)
    assert short == pytest.approx(0.256)
    assert QWEN3_8B.prefill_seconds(32_768, 256, 1000.0) > 1.3 * 32.768


def test_a_machine_too_slow_for_the_target_answers_at_the_smallest_context() -> None:
    choice = choose(rate=20)
    assert (choice.context_length, choice.limit, choice.over_target) == (2048, "ttft", True)
    assert choice.estimated_ttft_s is not None and choice.estimated_ttft_s > 30
    assert "even 2,048 tokens miss the 30 s TTFT target" in choice.describe()
    note = choice.slow_note()
    assert f"est. TTFT {choice.estimated_ttft_s:.0f} s, over the 30 s target" in note
    assert choice.short() == f"window 2,048: prefill time, {note}"
    assert choose(rate=200).slow_note() == ""
    with pytest.raises(ModelError, match="do not fit"):
        choose(rate=1000, memory_gb=6)


def test_other_models_stop_at_their_stated_context() -> None:
    llama = replace(QWEN3_8B, architecture="llama", native_context=8192)
    assert llama.trained_context == 8192
    assert choose_context(llama, 256 * GB, "RAM", 256, 1e6, 30).context_length == 8192


def test_shape_is_read_from_the_gguf_header(tiny_models: dict[str, Path]) -> None:
    path = tiny_models["qwen3moe"]
    shape = shape_of(path)
    assert (shape.layers, shape.embedding, shape.heads, shape.kv_heads) == (1, 256, 4, 2)
    assert (shape.key_length, shape.experts_used, shape.native_context) == (32, 2, 4096)
    assert shape == ModelShape.from_metadata(check_gguf(path), path.stat().st_size)


def test_recommendation_weighs_compute_as_well_as_memory() -> None:
    two_cores = 1.5e10  # what the starter's prefill shows on a 2-core VM
    small = recommend(64 * GB, 32_768, two_cores)
    assert small.model.name == "Qwen3-0.6B" and "no Qwen3 answers within 60 s" in small.reason
    assert recommend(64 * GB, 32_768).model.name == "Qwen3-32B"  # memory alone
    big = recommend(64 * GB, 32_768, 5e14)
    assert big.model.name == "Qwen3-32B" and "answers in ~" in big.reason


def test_automatic_context_is_measured_once_and_cached(
    monkeypatch: pytest.MonkeyPatch, archivist_home: Path, tiny_models: dict[str, Path]
) -> None:
    monkeypatch.delenv("ARCHIVIST_CONTEXT_LENGTH")
    monkeypatch.setenv("ARCHIVIST_MODEL", str(tiny_models["qwen3"]))
    monkeypatch.setenv("ARCHIVIST_TTFT_TARGET_S", "600")
    first = Workspace(load_settings())
    engine = first.engine
    choice = first.context_choice
    assert choice is not None and choice.measured == "now"
    assert engine.context_length == choice.context_length == 4096  # the tiny file's context
    assert (choice.limit, choice.trained_max) == ("trained", 4096)
    assert choice.prefill_tokens_per_s is not None and choice.prefill_tokens_per_s > 0
    cached = json.loads((archivist_home / "cache" / "prefill.json").read_text())
    [(key, row)] = cached.items()
    assert str(tiny_models["qwen3"].resolve()) in key and row["tokens"] > 0
    first.close()
    second = Workspace(load_settings())
    assert second.engine.context_length == 4096
    assert second.context_choice is not None and second.context_choice.measured == "cached"
    second.close()


def test_explicit_context_length_wins(workspace: Workspace) -> None:
    assert workspace.engine.context_length == 4096
    assert workspace.context_choice is not None
    assert workspace.context_choice.describe() == "context 4,096 tokens: set by context_length"


def test_cached_sample_replaced_by_doctor(archivist_home: Path) -> None:
    from model_runtime.prefill_probe import PrefillCache

    cache = PrefillCache(archivist_home / "cache" / "prefill.json")
    assert cache.get("m", "machine") is None
    cache.put("m", "machine", PrefillSample(256, 2.0, 0.0))
    cache.put("m", "machine", PrefillSample(256, 1.0, 1.0))
    again = cache.get("m", "machine")
    assert again is not None and again.tokens_per_s == 256.0


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
    )


@pytest.fixture
def tiny_library(
    monkeypatch: pytest.MonkeyPatch, northwind: Workspace, tiny_models: dict[str, Path]
) -> None:
    """A one-filing library answered by a tiny Qwen3, with the automatic context."""
    northwind.close()
    monkeypatch.delenv("ARCHIVIST_CONTEXT_LENGTH")
    monkeypatch.setenv("ARCHIVIST_MODEL", str(tiny_models["qwen3"]))


@pytest.mark.usefixtures("tiny_library")
def test_a_prefill_estimate_poisoned_to_a_tenth_still_answers_and_learns(
    monkeypatch: pytest.MonkeyPatch, archivist_home: Path, tiny_models: dict[str, Path]
) -> None:
    # The probe, as the first question on this machine runs it.
    monkeypatch.setenv("ARCHIVIST_TTFT_TARGET_S", "600")
    probed = Workspace(load_settings())
    assert probed.engine.context_length == 4096
    probed.close()
    path = archivist_home / "cache" / "prefill.json"
    [(key, row)] = json.loads(path.read_text()).items()
    real = row["tokens"] / row["seconds"]
    # Then a sample taken beside an ingest: a tenth of the speed, cached as the machine's.
    poisoned = row | {"seconds": row["seconds"] * 10, "busy": False}
    path.write_text(json.dumps({key: poisoned}))
    # A target the real speed meets at the full 4,096 and the poisoned one misses at 2,048.
    target = 1.5 * shape_of(tiny_models["qwen3"]).prefill_seconds(4096, row["tokens"], real)
    result = run_cli("ask", "What was capex?", "--json", ARCHIVIST_TTFT_TARGET_S=f"{target:.6g}")
    assert result.returncode == 0, result.stderr
    window = json.loads(result.stdout)["window"]
    assert (window["context_length"], window["limit"], window["over_target"]) == (
        2048,
        "ttft",
        True,
    )
    assert "note: context 2,048 tokens: est. TTFT" in result.stderr
    assert "target at the smallest context" in result.stderr
    # The answer's own prefill moved the estimate most of the way back up.
    learned = json.loads(path.read_text())[key]
    assert learned["samples"] == poisoned["samples"] + 1
    assert learned["tokens"] / learned["seconds"] > 2 * real / 10


@pytest.mark.usefixtures("tiny_library")
def test_show_context_and_doctor_say_which_context_and_why() -> None:
    doctor = run_cli("doctor", "--json")
    report = json.loads(doctor.stdout)
    context = report["context"]
    assert context["ok"] is True and context["limit"] in ("trained", "ttft", "memory")
    assert context["why"].startswith(f"context {context['context_length']:,} tokens, limited by")
    assert "GFLOP/s measured" in report["runtime"]["recommended_model"]["reason"]
    shown = run_cli("ask", "What was capex?", "--show-context")
    assert shown.returncode == 0, shown.stderr
    first = shown.stdout.splitlines()[0]
    assert first.startswith(f"context {context['context_length']:,} tokens, limited by")


def test_the_answer_line_names_the_automatic_window() -> None:
    from app.services.answer import Answer
    from tui.turn_view import figures_text

    choice = choose(rate=200)
    turn = Answer("q", "fast", context_tokens=100, context_window=choice.short())
    assert f"window {choice.context_length:,}: prefill time" in figures_text(turn).plain
    assert ContextChoice(4096, "setting", 8192).short() == ""
