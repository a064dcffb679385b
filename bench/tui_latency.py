"""Keystroke-to-screen latency of the terminal UI, idle and while an answer streams.

    .venv/bin/python bench/tui_latency.py [--keys 40] [--answer-tokens 400]

Runs the installed `archivist` in a real terminal (tmux, 120x40) on a fresh workspace with
one generated report and the starter model. For each key it sends one character to the
question box with `tmux send-keys` and polls the pane until the character is on screen;
the time between is the latency (it includes tmux's own round trip, a few ms). Measured
first with nothing running, then while an answer is being generated. Target: < 100 ms.
Not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def wait_for(session: str, text: str, timeout: float = 300.0) -> float:
    started = time.perf_counter()
    while text not in pane(session):
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out waiting for {text!r}:\n{pane(session)}")
        time.sleep(0.002)
    return time.perf_counter() - started


def type_and_time(session: str, keys: int) -> list[float]:
    """Type a fresh word one letter at a time; the latency of each letter in ms."""
    word = "".join(LETTERS[(i * 7) % 26] for i in range(keys))
    latencies = []
    for i in range(keys):
        tmux("send-keys", "-t", session, "-l", word[i])
        latencies.append(wait_for(session, "zz" + word[: i + 1], timeout=10) * 1000)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--answer-tokens", type=int, default=400)
    args = parser.parse_args()
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
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "idle": summary(idle),
        "while_streaming": summary(streaming),
        "answer_still_streaming_at_end": still_streaming,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
