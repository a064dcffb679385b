"""The context window a model runs with in this workspace: the setting, or chosen here.

An explicit `context_length` wins. Otherwise the choice (model_runtime/context_size.py)
weighs the model's trained range, the memory it will run in (the GPU's when llama.cpp
offloads, else RAM) and what this machine prefills within `ttft_target_s`, from the
model+machine prefill estimate in `cache/prefill.json`: a probe the first time, then
every answer's measured prefill (model_runtime/prefill_probe.py), so a sample taken on a
busy machine does not stick. Speed never refuses: a machine too slow for the target
answers at the smallest workable context and the choice says how long it will take.

Thinking needs room too: `reasoning_room` is the one rule for how much of the context a
prompt leaves for the thinking, for answers and summaries alike.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

from app.services.ports import Configured, Models
from model_runtime.context_size import ContextChoice, ModelShape, choose_context, shape_of
from model_runtime.events import Usage
from model_runtime.prefill_probe import (
    PROBE_TOKENS,
    PrefillCache,
    PrefillSample,
    looks_busy,
    measure_prefill,
)
from model_runtime.registry import ModelEntry

PREFILL_CACHE = "prefill.json"
PROBE_CONTEXT = 1024
# An answer teaches the estimate only when it read at least this many tokens afresh (not
# from the KV cache): shorter prefills are dominated by fixed costs.
MIN_LEARN_TOKENS = 256
# With reasoning_budget = 0 (no limit) the prompt still leaves this share of the context
# for the thinking, which may then run until only the answer's tokens are left.
UNLIMITED_REASONING_SHARE = 4
# The prompt's size is counted before the chat template renders it: what is left unused is
# given to the thinking less this margin, so the request never overflows the context.
COUNT_MARGIN = 64


def reasoning_room(reasoning_budget: int, context_length: int) -> int:
    """Tokens a thinking-mode prompt leaves for reasoning: the budget, or with 0 (no
    limit) a quarter of the context, so the thinking never starts with no room at all."""
    return reasoning_budget if reasoning_budget > 0 else context_length // UNLIMITED_REASONING_SHARE


def thinking_limits(
    reasoning_budget: int, answer_tokens: int, reserved: int, unused: int
) -> tuple[int, int]:
    """`(max_tokens, reasoning cap)` for a thinking-mode generation whose prompt reserved
    `reserved` tokens for reasoning and left `unused` more free. With a budget the thinking
    stops at it; with 0 (no limit) it may use everything but the answer's reservation."""
    cap = reasoning_budget if reasoning_budget > 0 else reserved + max(0, unused - COUNT_MARGIN)
    return answer_tokens + cap, cap


def model_identity(entry: ModelEntry, sha256: str | None) -> str:
    """The model's SHA-256 when known, else its path, size and modification time."""
    from model_runtime.registry import STARTER_SHA256

    known = sha256 or entry.sha256 or (STARTER_SHA256 if entry.starter else None)
    if known:
        return known
    stat = entry.path.stat()
    return f"{entry.path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


@functools.cache
def _machine(threads: int | None) -> tuple[str, int, bool]:
    """This machine's cache key, the threads llama.cpp uses and whether it runs on the CPU."""
    from model_runtime.hardware import build_info, machine_identity, physical_cores

    build = build_info()
    used = threads or physical_cores()
    return machine_identity(used, str(build["backend"])), used, not build["gpu_offload"]


@functools.lru_cache(maxsize=8)
def _shape(path: Path, size: int, mtime_ns: int) -> ModelShape:
    return shape_of(path)


def _shape_of(path: Path) -> ModelShape:
    stat = path.stat()
    return _shape(path, stat.st_size, stat.st_mtime_ns)


def probe_prefill(entry: ModelEntry, threads: int | None) -> PrefillSample:
    """Load the model with a small context and time a short prefill through the engine."""
    from model_runtime.llama_engine import LlamaCppEngine

    _key, used, on_cpu = _machine(threads)
    engine = LlamaCppEngine(entry.path, entry.name, context_length=PROBE_CONTEXT, threads=threads)
    return measure_prefill(engine, used, on_cpu)


def _cache(workspace: Configured) -> PrefillCache:
    return PrefillCache(workspace.home / "cache" / PREFILL_CACHE)


def context_choice(
    workspace: Configured,
    entry: ModelEntry,
    sha256: str | None,
    sample: PrefillSample | None = None,
) -> ContextChoice:
    """The context for `entry`; a `sample` just measured (doctor) replaces the cached
    estimate unless it saw the machine busy and a quiet estimate exists."""
    from model_runtime.hardware import build_info, gpu_memory_bytes, memory_bytes

    settings = workspace.settings
    shape = _shape_of(entry.path)
    if settings.context_length is not None:
        return ContextChoice(settings.context_length, "setting", shape.trained_context)
    machine = _machine(settings.threads)[0]
    cache = _cache(workspace)
    model_id = model_identity(entry, sha256)
    measured = "now"
    if sample is not None:
        sample = cache.put(model_id, machine, sample)
    else:
        sample = cache.get(model_id, machine)
        measured = "cached"
    if sample is None or sample.tokens <= 0:
        sample = cache.put(model_id, machine, probe_prefill(entry, settings.threads))
        measured = "now"
    gpus = gpu_memory_bytes() if build_info()["gpu_offload"] else []
    memory, kind = (max(gpus), "GPU memory") if gpus else (memory_bytes()["available"], "RAM")
    return choose_context(
        shape,
        memory,
        kind,
        sample.tokens,
        sample.tokens_per_s,
        settings.ttft_target_s,
        measured,
        sample.busy,
    )


class PrefillClock:
    """The process's CPU and wall time from now until `stop` (the prefill), to tell
    whether the machine was busy while it ran."""

    def __init__(self) -> None:
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        self.cpu_s = self.wall_s = 0.0
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._running = False
            self.cpu_s = time.process_time() - self._cpu
            self.wall_s = time.perf_counter() - self._wall


def learn_prefill(
    workspace: Models, usage: Usage, cpu_s: float, wall_s: float
) -> PrefillSample | None:
    """Fold an answer's measured prefill into the model+machine estimate the automatic
    context is chosen from. `cpu_s`/`wall_s`: the process's CPU and wall time over the
    prefill, to tell a busy machine. Returns the new estimate, or None when the answer
    says nothing about the speed (a fixed context, a prompt mostly reused from the KV
    cache, too few tokens)."""
    choice = workspace.context_choice
    if choice is None or choice.limit == "setting":
        return None
    evaluated = usage.prompt_eval_tokens
    if usage.cached_tokens or evaluated < MIN_LEARN_TOKENS or usage.prefill_tokens_per_s <= 0:
        return None
    entry = workspace.model_entry()
    machine, threads, on_cpu = _machine(workspace.settings.threads)
    seconds = evaluated / usage.prefill_tokens_per_s
    probe_s = _shape_of(entry.path).probe_equivalent(evaluated, seconds, PROBE_TOKENS)
    busy = on_cpu and looks_busy(cpu_s, wall_s, threads)
    sample = PrefillSample(PROBE_TOKENS, probe_s, time.time(), busy=busy)
    return _cache(workspace).learn(model_identity(entry, None), machine, sample)
