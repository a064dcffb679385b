"""Keystroke-to-screen latency of the terminal UI, idle and while an answer streams.

    .venv/bin/python bench/tui_latency.py [--keys 40] [--answer-tokens 400]
    .venv/bin/python bench/tui_latency.py --long-context PDF [--code DIR] [--home DIR]

Runs the installed `archivist` in a real terminal (tmux, 120x40) on a fresh workspace with
one generated report and the starter model. For each key it sends one character to the
question box with `tmux send-keys` and polls the pane until the character is on screen;
the time between is the latency (it includes tmux's own round trip, a few ms). Measured
first with nothing running, then while an answer is being generated. Target: < 100 ms.

`--long-context PDF`: the desk over ~100K tokens of a real filing's pages, the case where
work done per streamed token over every source shows. The filing is ingested, scoped,
and a scripted engine (tests' `FakeEngine`, one character a token, `--token-delay-s`
apart, an answer of cited claims with figures) streams while keys are timed; the context's
size is counted with the starter model's tokenizer. `--code DIR` runs the TUI from
another checkout of the code (e.g. `git archive` of an older commit: before/after).
Target: p95 <= 50 ms. Not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ARCHIVIST = Path(sys.executable).with_name("archivist")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def pane(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, text: str, timeout: float = 300.0, give_up: bool = True) -> float:
    """Seconds until `text` is on screen; past `timeout`, exit (or, when not `give_up`,
    return the timeout: a key still not shown counts as that slow)."""
    started = time.perf_counter()
    while text not in pane(session):
        if time.perf_counter() - started > timeout:
            if not give_up:
                return timeout
            raise SystemExit(f"timed out waiting for {text!r}:\n{pane(session)}")
        time.sleep(0.002)
    return time.perf_counter() - started


def type_and_time(session: str, keys: int, timeout: float = 10) -> list[float]:
    """Type a fresh word one letter at a time; the latency of each letter in ms."""
    word = "".join(LETTERS[(i * 7) % 26] for i in range(keys))
    latencies = []
    for i in range(keys):
        tmux("send-keys", "-t", session, "-l", word[i])
        shown = wait_for(session, "zz" + word[: i + 1], timeout=timeout, give_up=False)
        latencies.append(shown * 1000)
    for _ in range(keys + 2):
        tmux("send-keys", "-t", session, "BSpace")
    return latencies


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--answer-tokens", type=int, default=400)
    parser.add_argument("--long-context", type=Path, help="a filing: the ~100K-token case")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout the TUI runs")
    parser.add_argument("--context-bytes", type=int, default=440_000)
    parser.add_argument("--token-delay-s", type=float, default=0.01)
    parser.add_argument("--home", type=Path, help="reuse an ingested workspace")
    parser.add_argument("--key-timeout-s", type=float, default=60.0, help="a key shown later")
    args = parser.parse_args()
    if args.long_context:
        print(json.dumps(long_context(args), indent=2))
        return
    from tests.conftest import REPORT_PAGES, make_pdf

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        pdf = make_pdf(Path(tmp) / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
        env = {**os.environ, "ARCHIVIST_HOME": str(home)}
        subprocess.run([str(ARCHIVIST), "ingest", str(pdf)], env=env, check=True,
                       capture_output=True)  # fmt: skip
        session = f"archivist-bench-{uuid.uuid4().hex[:8]}"
        command = (
            f"env ARCHIVIST_HOME={home} ARCHIVIST_MAX_ANSWER_TOKENS={args.answer_tokens} "
            f"TERM=xterm-256color {ARCHIVIST}"
        )
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
        try:
            wait_for(session, "Ask a question")
            tmux("send-keys", "-t", session, "-l", "zz")
            wait_for(session, "zz")
            idle = type_and_time(session, args.keys)
            tmux("send-keys", "-t", session, "BSpace", "BSpace")
            tmux("send-keys", "-t", session, "-l", "Describe the business, its risks and revenue.")
            tmux("send-keys", "-t", session, "Enter")
            wait_for(session, "Describe the business")
            time.sleep(3.0)  # retrieval done, tokens streaming
            tmux("send-keys", "-t", session, "-l", "zz")
            wait_for(session, "zz")
            streaming = type_and_time(session, args.keys)
            still_streaming = "tok/s" not in pane(session)
        finally:
            tmux("kill-session", "-t", session)
    report = {
        "machine": machine(),
        "idle": summary(idle),
        "while_streaming": summary(streaming),
        "answer_still_streaming_at_end": still_streaming,
    }
    print(json.dumps(report, indent=2))


# The TUI over the given workspace, answered by a scripted engine: run with the code under
# test first on the path (`--code`), so an older checkout can be measured the same way.
SERVE = """
import os
from app.settings import load_settings
from app.workspace import Workspace
from tests.fake_engine import FakeEngine, Reply
from tests.conftest import answering_with
from tui.main_app import ArchivistApp

workspace = Workspace(load_settings())
engine = FakeEngine(
    [Reply(os.environ["BENCH_ANSWER"])],
    name="scripted",
    context_length=int(os.environ["BENCH_CONTEXT"]),
    token_delay_s=float(os.environ["BENCH_DELAY"]),
)
app = ArchivistApp(answering_with(workspace, engine), start="chat")
app.state.scope = {d.id for d in workspace.catalogue.documents()}
app.run()
"""
QUESTION = "What were net sales, operating income and cash flow by segment?"


def scripted_answer(claims: int = 120) -> str:
    """Cited claims with figures, as an analyst's answer reads; one character a token."""
    parts = [
        f"Net sales in segment {n % 9 + 1} were ${1000 + 37 * n:,} million [S{n % 12 + 1}]. "
        for n in range(claims)
    ]
    return "".join(parts)


def context_tokens(home: Path, context_bytes: int) -> tuple[int, int]:
    """(pages, tokens of the starter model's tokenizer) of the context the question gets."""
    os.environ["ARCHIVIST_HOME"] = str(home)
    from app.services.ask import prepare
    from app.settings import load_settings
    from app.workspace import Workspace
    from model_runtime.registry import starter_model
    from model_runtime.token_counter import VocabCounter
    from tests.conftest import answering_with
    from tests.fake_engine import FakeEngine

    workspace = Workspace(load_settings())
    try:
        engine = FakeEngine(context_length=context_bytes)
        ids = [d.id for d in workspace.catalogue.documents()]
        prompt = prepare(answering_with(workspace, engine), QUESTION, document_names=ids)
        starter = starter_model()
        assert starter is not None
        counter = VocabCounter(starter.path)
        return len(prompt.sources), sum(counter.count_tokens(s.text) for s in prompt.sources)
    finally:
        workspace.close()


def long_context(args: argparse.Namespace) -> dict[str, object]:
    home = args.home or Path(tempfile.mkdtemp()) / "home"
    env = {**os.environ, "ARCHIVIST_HOME": str(home)}
    if not (home / "catalogue.sqlite").exists():
        subprocess.run([str(ARCHIVIST), "ingest", str(args.long_context)], env=env, check=True,
                       capture_output=True)  # fmt: skip
    pages, tokens = context_tokens(home, args.context_bytes)
    answer = scripted_answer()
    serve_env = {
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_MAX_ANSWER_TOKENS": str(len(answer) + 100),
        "BENCH_ANSWER": answer,
        "BENCH_CONTEXT": str(args.context_bytes),
        "BENCH_DELAY": str(args.token_delay_s),
        "PYTHONPATH": str(args.code),
        "TERM": "xterm-256color",
    }
    script = Path(tempfile.mkdtemp()) / "serve.py"
    script.write_text(SERVE)
    command = " ".join(
        [f"env {k}={shlex.quote(v)}" if i == 0 else f"{k}={shlex.quote(v)}"
         for i, (k, v) in enumerate(serve_env.items())]
        + [shlex.quote(sys.executable), shlex.quote(str(script))]
    )  # fmt: skip
    session = f"archivist-bench-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        wait_for(session, "Ask a question")
        tmux("send-keys", "-t", session, "-l", "zz")
        wait_for(session, "zz")
        idle = type_and_time(session, args.keys)
        tmux("send-keys", "-t", session, "BSpace", "BSpace")
        tmux("send-keys", "-t", session, "-l", QUESTION)
        tmux("send-keys", "-t", session, "Enter")
        wait_for(session, "Net sales", timeout=600)  # retrieval done, streaming
        load = machine()
        tmux("send-keys", "-t", session, "-l", "zz")
        wait_for(session, "zz", timeout=120)
        streaming = type_and_time(session, args.keys, timeout=args.key_timeout_s)
        still_streaming = "tok/s" not in pane(session)
    finally:
        tmux("kill-session", "-t", session)
    return {
        "machine": load,
        "code": str(args.code),
        "context": f"{pages} pages of {args.long_context.name}, {tokens} tokens",
        "answer": f"{len(answer)} tokens, {args.token_delay_s * 1000:.0f} ms apart",
        "idle": summary(idle),
        "while_streaming": summary(streaming),
        "keys_not_shown_within_timeout": sum(v >= args.key_timeout_s * 1000 for v in streaming),
        "answer_still_streaming_at_end": still_streaming,
    }


if __name__ == "__main__":
    main()
