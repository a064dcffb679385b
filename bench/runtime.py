"""Runtime benchmark: our engine against raw llama-cpp-python, and the document KV cache.

    make bench-runtime                       # starter model + Qwen3-0.6B-shaped Q4_K_M
    .venv/bin/python bench/runtime.py --help
    .venv/bin/python bench/runtime.py --gpu  # Qwen3-8B / 30B-A3B shapes at 32K and 128K
                                             # (bench/runtime_gpu.py; --shape tiny on a CPU)

1. Overhead. The same prompt text, model file and llama.cpp settings (context, threads,
   flash attention) run through `LlamaCppEngine.stream` and through raw
   `Llama.create_completion(stream=True)`; both start from an empty KV cache each repeat.
   Reported: prefill tok/s, decode tok/s, time to first token (medians), and the engine's
   overhead in end-to-end time. Target: <= 5%.
2. KV cache. A ~8K-token document prefix, then a question: TTFT of the first question (the
   prefix is computed and saved to cache/kv), of a second question from a *fresh* engine
   (the prefix restored from disk, as after a restart), and from the same engine (reused
   in memory). Target: second-question TTFT <= 10% of the first.

Prints a JSON report on stdout; progress on stderr. Speeds depend on the machine and on what
else runs on it: record both with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.runtime_runs import document_messages, log, run_engine, run_raw  # noqa: E402
from model_runtime.engine import Mode  # noqa: E402
from model_runtime.kv_cache import KvCache  # noqa: E402
from model_runtime.llama_engine import LlamaCppEngine  # noqa: E402
from model_runtime.registry import starter_model  # noqa: E402


def median(runs: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 4)


def overhead(path: Path, ctx: int, threads: int, prompt_tokens: int, gen: int, reps: int) -> dict:
    import llama_cpp

    log(f"overhead: {path.name}, {prompt_tokens}-token prompt, {gen} tokens, {reps} repeats")
    engine = LlamaCppEngine(path, path.stem, context_length=ctx, threads=threads)
    raw = llama_cpp.Llama(model_path=str(path), verbose=False, **engine.settings.llama_kwargs())
    messages = document_messages(engine, prompt_tokens, "What were capital expenditures?")
    prompt, _, _ = engine.render_prompt(messages, Mode.FAST)
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    run_engine(engine, messages, 4)  # warm-up both
    run_raw(raw, prompt, 4)
    for _ in range(reps):  # interleaved, so load changes hit both alike
        engine._llm.reset()  # an empty KV cache, like the raw run
        ours.append(run_engine(engine, messages, gen))
        theirs.append(run_raw(raw, prompt, gen))
    keys = ("ttft_s", "prefill_tok_s", "decode_tok_s", "total_s", "cpu_s")
    ours_m = {k: median(ours, k) for k in keys}
    raw_m = {k: median(theirs, k) for k in keys}
    wall = [o["total_s"] / t["total_s"] for o, t in zip(ours, theirs, strict=True)]
    # CPU seconds per generated token: robust when other work shares the machine.
    cpu = [
        (o["cpu_s"] / o["completion_tokens"]) / (t["cpu_s"] / t["completion_tokens"])
        for o, t in zip(ours, theirs, strict=True)
    ]
    return {
        "model": path.name,
        "prompt_tokens": int(ours[0]["prompt_tokens"]),
        "raw_prompt_tokens": int(theirs[0]["prompt_tokens"]),
        "completion_tokens": [int(o["completion_tokens"]) for o in ours],
        "raw_completion_tokens": [int(t["completion_tokens"]) for t in theirs],
        "engine": ours_m,
        "raw_llama_cpp_python": raw_m,
        "engine_overhead_pct_wall": round((statistics.median(wall) - 1) * 100, 2),
        "engine_overhead_pct_cpu": round((statistics.median(cpu) - 1) * 100, 2),
        "settings": engine.settings.as_dict(),
    }


def kv_cache(path: Path, ctx: int, threads: int, prefix_tokens: int) -> dict:
    log(f"kv cache: {path.name}, ~{prefix_tokens}-token document prefix")
    with tempfile.TemporaryDirectory() as folder:
        cache = KvCache(Path(folder))

        def engine() -> LlamaCppEngine:
            return LlamaCppEngine(
                path, path.stem, context_length=ctx, threads=threads, model_id="bench",
                kv_cache=cache,
            )  # fmt: skip

        first_engine = engine()
        q1 = document_messages(first_engine, prefix_tokens, "What were capital expenditures?")
        q2 = document_messages(first_engine, prefix_tokens, "How did operating margin change?")
        q3 = document_messages(first_engine, prefix_tokens, "What drove revenue growth?")
        first = run_engine(first_engine, q1, 8)
        saved = cache.size_bytes()
        from_disk = run_engine(engine(), q2, 8)  # a fresh engine: restored from cache/kv
        in_memory = run_engine(first_engine, q3, 8)  # the same engine: reused in memory
        none_engine = LlamaCppEngine(path, path.stem, context_length=ctx, threads=threads)
        without = run_engine(none_engine, q2, 8)
    return {
        "model": path.name,
        "prompt_tokens": int(first["prompt_tokens"]),
        "first_question_ttft_s": round(first["ttft_s"], 3),
        "second_question_ttft_s_restored_from_disk": round(from_disk["ttft_s"], 3),
        "second_question_prompt_eval_tokens": int(from_disk["prompt_eval_tokens"]),
        "second_question_ttft_s_in_memory": round(in_memory["ttft_s"], 3),
        "second_question_ttft_s_without_cache": round(without["ttft_s"], 3),
        "disk_ratio_pct": round(100 * from_disk["ttft_s"] / first["ttft_s"], 2),
        "saved_state_mb": round(saved / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="default: physical cores")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--kv-prefix-tokens", type=int, default=7600)
    parser.add_argument("--no-qwen3", action="store_true", help="skip the 0.6B-shaped model")
    parser.add_argument("--kv-model", choices=("starter", "qwen3"), default="starter")
    gpu = parser.add_argument_group("--gpu (bench/runtime_gpu.py)")
    gpu.add_argument("--gpu", action="store_true", help="the GPU benchmark instead")
    gpu.add_argument("--shape", choices=("all", "8b", "30b-a3b", "tiny"), default="all")
    gpu.add_argument("--models-dir", default=str(ROOT / "bench" / ".models"))
    gpu.add_argument("--out", default=None, help="also write the report here after each case")
    gpu.add_argument("--budget-s", type=float, default=600.0, help="start no case after this")
    args = parser.parse_args()
    if args.gpu:
        from bench.runtime_gpu import main as gpu_main

        gpu_main(args)
        return
    from model_runtime.hardware import physical_cores, runtime_report

    threads = args.threads or physical_cores()
    models: dict[str, Path] = {}
    starter = starter_model()
    if starter is not None:
        models["starter"] = starter.path
    if not args.no_qwen3:
        from bench.qwen3_shaped import qwen3_0_6b_q4_k_m

        models["qwen3"] = qwen3_0_6b_q4_k_m(ROOT / "bench" / ".models", threads)
    report: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "threads_used": threads,
            "load_average_at_start": os.getloadavg(),
            "build": runtime_report(8192)["build"],
        },
        "overhead": [
            overhead(p, 2048, threads, args.prompt_tokens, args.gen_tokens, args.reps)
            for p in models.values()
        ],
    }
    kv_path = models.get(args.kv_model) or next(iter(models.values()))
    report["kv_cache"] = kv_cache(kv_path, 8192, threads, args.kv_prefix_tokens)
    report["machine"]["load_average_at_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
