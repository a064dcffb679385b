"""`bench/runtime.py --gpu`: Qwen3-8B and Qwen3-30B-A3B shapes at ~32K and ~128K tokens.

Random-weight Q4_K files with the real shapes (bench/qwen3_q4k.py) run through our engine
and through raw llama-cpp-python with the same settings. Each case records load time, time
to first token and prefill tokens/s, decode tokens/s, the second question's TTFT (the
document prefix reused), and the GPU memory in use. Then the alternatives the engine's GPU
defaults stand on (model_runtime/hardware.py), so one GPU run decides them:

- batch / micro-batch 2048/2048 (default) against 512/512 (llama.cpp's) and 2048/512;
- flash attention on (default) against off;
- KV cache q8_0 against f16 on either side of 32K;
- the document KV state on disk: restored by a fresh engine against recomputed.

Cases run in priority order until `--budget-s` is spent; every finished case is written to
`--out` at once, so a run cut short keeps what it measured. `--shape tiny` runs every code
path on a CPU in a minute (figures meaningless, but the script is known to run).
"""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.qwen3_q4k import model_file  # noqa: E402
from bench.runtime_runs import document_messages, log, run_engine, run_raw  # noqa: E402
from model_runtime.engine import Mode  # noqa: E402
from model_runtime.kv_cache import KvCache  # noqa: E402
from model_runtime.llama_engine import LlamaCppEngine  # noqa: E402

Q1, Q2 = "What were capital expenditures?", "How did operating margin change?"
# The full shapes, and their CPU-sized stand-ins for testing the script.
SHAPE_SETS = {"real": ["8b", "30b-a3b"], "tiny": ["tiny", "tiny-moe"]}
CONTEXTS = {"real": [32_768, 131_072], "tiny": [2048, 8192]}


def gpu_memory_used_mib() -> int | None:
    """Memory in use on GPU 0 (this process is the only user during the bench)."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout  # fmt: skip
        return int(out.splitlines()[0].strip())
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def prompt_size(context: int, gen: int) -> int:
    """Document tokens that leave room for the question, the template and the answer."""
    return int(context * 0.94) - gen


def engine_case(
    path: Path, context: int, gen: int, overrides: dict[str, Any], threads: int | None
) -> dict[str, Any]:
    """Load, ask, ask again over the same document (prefix reused in memory)."""
    started = time.perf_counter()
    engine = LlamaCppEngine(
        path, path.stem, context_length=context, threads=threads, overrides=overrides
    )
    load_s = time.perf_counter() - started
    memory_loaded = gpu_memory_used_mib()
    first = run_engine(engine, document_messages(engine, prompt_size(context, gen), Q1), gen)
    memory_peak = gpu_memory_used_mib()
    second = run_engine(engine, document_messages(engine, prompt_size(context, gen), Q2), gen)
    result = {
        "settings": engine.settings.as_dict(),
        **_timings(load_s, first, second["ttft_s"]),
        "second_question_eval_tokens": int(second["prompt_eval_tokens"]),
        "gpu_mib_after_load": memory_loaded,
        "gpu_mib_after_prefill": memory_peak,
    }
    engine._llm.close()
    del engine
    gc.collect()
    return result


def raw_case(path: Path, context: int, gen: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """The same prompt text and llama.cpp settings through `llama_cpp.Llama` directly."""
    import llama_cpp

    probe = LlamaCppEngine(path, path.stem, context_length=context, overrides=overrides)
    kwargs = probe.settings.llama_kwargs()
    prompts = [
        probe.render_prompt(document_messages(probe, prompt_size(context, gen), q), Mode.FAST)[0]
        for q in (Q1, Q2)
    ]
    probe._llm.close()
    del probe
    gc.collect()
    started = time.perf_counter()
    llm = llama_cpp.Llama(model_path=str(path), verbose=False, **kwargs)
    load_s = time.perf_counter() - started
    first = run_raw(llm, prompts[0], gen)
    memory_peak = gpu_memory_used_mib()
    second = _raw_followup(llm, prompts[1], gen)  # the KV cache kept: prefix reused
    llm.close()
    del llm
    gc.collect()
    return {**_timings(load_s, first, second), "gpu_mib_after_prefill": memory_peak}


def _timings(load_s: float, first: dict[str, Any], second_ttft_s: float) -> dict[str, Any]:
    """One row's figures, the same for the engine and the raw library."""
    return {
        "load_s": round(load_s, 2),
        "prompt_tokens": int(first["prompt_tokens"]),
        "ttft_s": round(first["ttft_s"], 3),
        "prefill_tok_s": round(first["prefill_tok_s"], 1),
        "decode_tok_s": round(first["decode_tok_s"], 2),
        "completion_tokens": int(first["completion_tokens"]),
        "total_s": round(first["total_s"], 3),
        "second_question_ttft_s": round(second_ttft_s, 3),
    }


def _raw_followup(llm: Any, prompt: str, gen: int) -> float:
    """TTFT of a second prompt without resetting: llama-cpp-python reuses the prefix."""
    started = time.perf_counter()
    for _chunk in llm.create_completion(prompt, max_tokens=2, stream=True, seed=1):
        return time.perf_counter() - started
    return time.perf_counter() - started


def kv_disk_case(path: Path, context: int, gen: int, threads: int | None) -> dict[str, Any]:
    """A fresh engine restoring the saved document state, against computing it again."""
    with tempfile.TemporaryDirectory() as folder:
        cache = KvCache(Path(folder), max_bytes=64 * 1024**3)

        def engine(policy: str) -> LlamaCppEngine:
            return LlamaCppEngine(
                path, path.stem, context_length=context, threads=threads, model_id="bench",
                kv_cache=cache, overrides={"kv_disk": policy},
            )  # fmt: skip

        size = prompt_size(context, gen)
        first_engine = engine("always")
        saving = run_engine(first_engine, document_messages(first_engine, size, Q1), 4)
        state_bytes = cache.size_bytes()
        first_engine._llm.close()
        del first_engine
        gc.collect()
        fresh = engine("always")
        timing: dict[str, float] = {}
        restore = fresh._restore

        def timed_restore(key: str, tokens: list[int]) -> bool:
            began = time.perf_counter()
            done = restore(key, tokens)
            timing["restore_s"] = time.perf_counter() - began
            return done

        fresh._restore = timed_restore  # type: ignore[method-assign]
        restored = run_engine(fresh, document_messages(fresh, size, Q2), 4)
        fresh._llm.close()
        del fresh
        gc.collect()
        recompute_engine = engine("never")
        recomputed = run_engine(recompute_engine, document_messages(recompute_engine, size, Q2), 4)
        recompute_engine._llm.close()
        del recompute_engine
    restore_s = max(1e-6, timing.get("restore_s", restored["ttft_s"]))
    return {
        "state_bytes": state_bytes,
        "restore_s": round(restore_s, 3),  # reading the file and setting the KV state
        "first_question_ttft_s_with_save": round(saving["ttft_s"], 3),
        "first_question_ttft_s_without_save": round(recomputed["ttft_s"], 3),
        "second_question_ttft_s_restored": round(restored["ttft_s"], 3),
        "second_question_ttft_s_recomputed": round(recomputed["ttft_s"], 3),
        "restore_bytes_per_s": round(state_bytes / restore_s),
        "restore_wins": restored["ttft_s"] < recomputed["ttft_s"],
    }


def plan(shapes: list[str], contexts: list[int]) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(kind, shape, context, overrides) in priority order: the defaults first."""
    short, long = contexts
    cases: list[tuple[str, str, int, dict[str, Any]]] = []
    first = shapes[0]
    for shape in shapes:
        for ctx in (short, long):
            cases += [("engine", shape, ctx, {}), ("raw", shape, ctx, {})]
        if shape == first:  # the alternatives, on the dense model
            cases += [
                ("engine", shape, short, {"n_batch": 512, "n_ubatch": 512}),
                ("engine", shape, short, {"n_batch": 2048, "n_ubatch": 512}),
                ("engine", shape, short, {"flash_attention": False}),
                ("engine", shape, short, {"kv_cache_type": "q8_0"}),
                ("kv_disk", shape, short, {}),
                ("engine", shape, long, {"kv_cache_type": "f16"}),
                ("engine", shape, long, {"n_batch": 512, "n_ubatch": 512}),
            ]
    return cases


def main(args: Any) -> None:
    from model_runtime.hardware import runtime_report

    kind = "tiny" if args.shape == "tiny" else "real"
    shapes = SHAPE_SETS[kind] if args.shape in ("tiny", "all") else [args.shape]
    contexts = CONTEXTS[kind]
    folder = Path(args.models_dir)
    out = Path(args.out) if args.out else None
    report: dict[str, Any] = {
        "machine": {"build": runtime_report(8192)["build"], "gpu_mib_idle": gpu_memory_used_mib()},
        "cases": [],
        "skipped": [],
    }
    deadline = time.monotonic() + args.budget_s
    runners: dict[str, Callable[..., dict[str, Any]]] = {
        "engine": lambda p, c, o: engine_case(p, c, args.gen_tokens, o, args.threads),
        "raw": lambda p, c, o: raw_case(p, c, args.gen_tokens, o),
        "kv_disk": lambda p, c, o: kv_disk_case(p, c, args.gen_tokens, args.threads),
    }
    for case_kind, shape, context, overrides in plan(shapes, contexts):
        label = {"kind": case_kind, "shape": shape, "context": context, "overrides": overrides}
        if time.monotonic() > deadline:
            report["skipped"].append(label)
            continue
        log(f"gpu bench: {label}")
        started = time.perf_counter()
        try:
            path = model_file(shape, folder)
            result = runners[case_kind](path, context, overrides)
        except Exception as exc:  # one failed case must not lose the others
            result = {"error": f"{type(exc).__name__}: {exc}"}
        report["cases"].append(
            {**label, **result, "case_s": round(time.perf_counter() - started, 1)}
        )
        if out is not None:
            out.write_text(json.dumps(report, indent=2))
    if out is not None:  # with the cases the budget skipped
        out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
