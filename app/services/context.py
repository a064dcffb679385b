"""The context window a model runs with in this workspace: the setting, or chosen here.

An explicit `context_length` wins. Otherwise the choice (model_runtime/context_size.py)
weighs the model's trained range, the memory it will run in (the GPU's when llama.cpp
offloads, else RAM) and what this machine prefills within `ttft_target_s`, from a prefill
measured once per model and machine (`cache/prefill.json`).
"""

from __future__ import annotations

from app.errors import ConfigError
from app.services.ports import Configured
from model_runtime.context_size import (
    ContextChoice,
    UnreachableTargetError,
    choose_context,
    shape_of,
)
from model_runtime.prefill_probe import PrefillSample
from model_runtime.registry import ModelEntry

PREFILL_CACHE = "prefill.json"


def model_identity(entry: ModelEntry, sha256: str | None) -> str:
    """The model's SHA-256 when known, else its path, size and modification time."""
    from model_runtime.registry import STARTER_SHA256

    known = sha256 or entry.sha256 or (STARTER_SHA256 if entry.starter else None)
    if known:
        return known
    stat = entry.path.stat()
    return f"{entry.path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def context_choice(
    workspace: Configured,
    entry: ModelEntry,
    sha256: str | None,
    sample: PrefillSample | None = None,
) -> ContextChoice:
    """The context for `entry`; a `sample` just measured (doctor) replaces the cached one."""
    from model_runtime.hardware import build_info, gpu_memory_bytes, memory_bytes, physical_cores
    from model_runtime.prefill_probe import PrefillCache, machine_identity, measure_prefill

    settings = workspace.settings
    shape = shape_of(entry.path)
    if settings.context_length is not None:
        return ContextChoice(settings.context_length, "setting", shape.trained_context)
    build = build_info()
    offload = bool(build["gpu_offload"])
    machine = machine_identity(settings.threads or physical_cores(), str(build["backend"]))
    cache = PrefillCache(workspace.home / "cache" / PREFILL_CACHE)
    model_id = model_identity(entry, sha256)
    measured = "now"
    if sample is not None:
        cache.put(model_id, machine, sample)
    else:
        sample = cache.get(model_id, machine)
        measured = "cached"
    if sample is None:
        sample = measure_prefill(entry.path, settings.threads, offload)
        cache.put(model_id, machine, sample)
        measured = "now"
    gpus = gpu_memory_bytes() if offload else []
    memory, kind = (max(gpus), "GPU memory") if gpus else (memory_bytes()["available"], "RAM")
    try:
        return choose_context(
            shape,
            memory,
            kind,
            sample.tokens,
            sample.tokens_per_s,
            settings.ttft_target_s,
            measured,
        )
    except UnreachableTargetError as exc:
        raise ConfigError(str(exc)) from exc
