"""The model+machine prefill estimate: a probe, then every answer; busy samples never stick."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from model_runtime.llama_engine import LlamaCppEngine
from model_runtime.prefill_probe import (
    PrefillCache,
    PrefillSample,
    blend,
    looks_busy,
    measure_prefill,
)


def rate(sample: PrefillSample | None) -> float:
    assert sample is not None
    return sample.tokens_per_s


def at(tokens_per_s: float, busy: bool = False) -> PrefillSample:
    return PrefillSample(256, 256 / tokens_per_s, 0.0, busy=busy)


def test_a_cpu_prefill_that_got_little_cpu_time_was_sharing_the_cores() -> None:
    assert not looks_busy(cpu_s=3.8, wall_s=2.0, threads=2)
    assert looks_busy(cpu_s=1.0, wall_s=2.0, threads=2)  # half its threads' time: shared
    assert not looks_busy(cpu_s=0.0, wall_s=0.0, threads=2)


def test_the_estimate_leans_to_fast_samples_so_one_slow_sample_cannot_stick() -> None:
    quiet = at(400)
    assert rate(blend(quiet, at(40))) == 400 - 0.25 * 360  # a slow quiet sample: a quarter
    assert rate(blend(quiet, at(40, busy=True))) == 400  # a slow busy one: ignored
    poisoned = at(40)
    assert rate(blend(poisoned, at(400))) == 40 + 0.75 * 360  # a fast one: most of the way
    assert rate(blend(blend(poisoned, at(400)), at(400))) > 0.9 * 400
    assert blend(quiet, at(40, busy=True)).samples == 2
    assert rate(blend(at(40, busy=True), at(400))) == 400  # a quiet sample replaces a busy one
    assert rate(blend(None, at(40, busy=True))) == 40  # better than nothing, but marked
    assert blend(None, at(40, busy=True)).busy


def test_a_busy_probe_never_replaces_a_quiet_estimate(tmp_path: Path) -> None:
    cache = PrefillCache(tmp_path / "prefill.json")
    assert cache.put("m", "pc", at(40, busy=True)).busy  # nothing better: kept, marked
    assert rate(cache.put("m", "pc", at(400))) == 400  # a quiet probe replaces it
    assert rate(cache.put("m", "pc", at(40, busy=True))) == 400  # a busy one does not
    assert rate(cache.get("m", "pc")) == 400
    assert rate(cache.learn("m", "pc", at(800))) == 400 + 0.75 * 400
    assert rate(cache.learn("m", "pc", at(10, busy=True))) == 400 + 0.75 * 400  # ignored


def test_the_probe_times_a_prefill_through_the_engine(tiny_models: dict[str, Path]) -> None:
    engine = LlamaCppEngine(tiny_models["qwen3"], "tiny", context_length=1024, threads=1)
    sample = measure_prefill(engine, threads=1, on_cpu=False)
    assert 200 <= sample.tokens <= 300 and sample.seconds > 0
    assert not sample.busy  # a GPU prefill leaves the CPU idle: never judged busy


def test_the_prefill_modules_import_no_engine_or_hardware() -> None:
    """The probe drives the Engine port; no import circle through the adapter."""
    code = (
        "import sys, model_runtime.prefill_probe, model_runtime.context_size; "
        "print(sorted(m for m in sys.modules if m in "
        "('model_runtime.llama_engine', 'model_runtime.hardware', 'llama_cpp')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
