"""Our engine on a GPU build: load with every layer offloaded, stream an answer, say where.

    python bench/gpu_smoke.py TINY.gguf MODELS_DIR [--no-8b]

First the tiny model (seconds), then the Qwen3-8B-shaped Q4_K file (bench/qwen3_q4k.py):
the GPU memory taken by the load must be at least the file's size, which only happens when
the weights are on the GPU. Exit code 0 when both answered, 1 otherwise (one line says why).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.qwen3_q4k import model_file  # noqa: E402
from bench.runtime_gpu import gpu_memory_used_mib  # noqa: E402
from model_runtime.engine import GenerationLimits, Mode  # noqa: E402
from model_runtime.events import AnswerDelta, Usage  # noqa: E402
from model_runtime.hardware import build_info  # noqa: E402
from model_runtime.llama_engine import LlamaCppEngine  # noqa: E402


def answer(path: Path) -> tuple[str, Usage, dict[str, object], float, int | None]:
    before = gpu_memory_used_mib()
    started = time.perf_counter()
    engine = LlamaCppEngine(path, path.stem, context_length=4096)
    load_s = time.perf_counter() - started
    after = gpu_memory_used_mib()
    text, usage = "", None
    question = [{"role": "user", "content": "What were capital expenditures?"}]
    for event in engine.stream(question, Mode.FAST, GenerationLimits(16, seed=1)):  # type: ignore[arg-type]
        if isinstance(event, AnswerDelta):
            text += event.text
        elif isinstance(event, Usage):
            usage = event
    assert usage is not None
    taken = after - before if after is not None and before is not None else None
    settings = engine.settings.as_dict()
    engine._llm.close()
    return text, usage, settings, load_s, taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tiny", type=Path)
    parser.add_argument("models_dir", type=Path)
    parser.add_argument("--no-8b", action="store_true")
    args = parser.parse_args()
    build = build_info()
    print(f"build: {build['backend']} (llama-cpp-python {build['llama_cpp_python']})")
    if not build["gpu_offload"]:
        print("gpu_smoke: this llama-cpp-python build cannot offload to a GPU")
        return 1
    paths = [args.tiny] + ([] if args.no_8b else [model_file("8b", args.models_dir)])
    for path in paths:
        text, usage, settings, load_s, taken = answer(path)
        size_mib = path.stat().st_size / 2**20
        print(
            f"{path.name}: loaded in {load_s:.1f} s, GPU +{taken} MiB (file {size_mib:.0f} MiB), "
            f"gpu_layers={settings['gpu_layers']}, n_batch={settings['n_batch']}, "
            f"{usage.completion_tokens} tokens at {usage.decode_tokens_per_s:.1f} tok/s: {text!r}"
        )
        if usage.completion_tokens == 0:
            print(f"gpu_smoke: {path.name} generated nothing")
            return 1
        if path != args.tiny and (taken is None or taken < size_mib):
            print(f"gpu_smoke: {path.name} took {taken} MiB of GPU memory: not all on the GPU")
            return 1
    print("gpu_smoke: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
