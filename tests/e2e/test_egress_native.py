"""No process of a run reaches for the network, watched below Python.

Python's audit hook (tests/egress_guard.py) cannot see a lookup made from C++: ONNX
Runtime's telemetry resolves its host from a native thread seconds after a session starts.
Here a small C shim (tests/native/netlog.c, compiled with the system compiler) is
LD_PRELOADed into every process of the run, parse workers included, and records every
`getaddrinfo`, `gethostbyname`, `connect` and `sendto` aimed off the machine. The run lasts
over 30 s: an ingest (parse workers and the ONNX embedder), then the installed `archivist`
terminal UI in tmux, asking one question (embedder and llama.cpp) and idling after it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app.offline import OFFLINE_SWITCHES
from app.services.install_script import INSTALL_SH
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tmux")]
SHIM = Path(__file__).resolve().parents[1] / "native" / "netlog.c"
ARCHIVIST = Path(sys.executable).with_name("archivist")
IDLE_S = 35.0


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("needs a C compiler for the LD_PRELOAD shim")
    out = tmp_path_factory.mktemp("shim") / "netlog.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O1", "-o", str(out), str(SHIM), "-ldl"], check=True
    )
    return out


def watched_env(shim: Path, log: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LD_PRELOAD": str(shim),
        "NETLOG_FILE": str(log),
        "PYTHONPATH": str(ROOT),
        "ARCHIVIST_MAX_ANSWER_TOKENS": "24",
    }


def test_shim_sees_a_native_lookup_and_connect(shim: Path, tmp_path: Path) -> None:
    """The watcher can fail: a lookup and a connect made in C are recorded and refused."""
    log = tmp_path / "net.log"
    code = (
        "import ctypes, socket\n"
        "try:\n"
        "    socket.getaddrinfo('example.invalid', 443)\n"
        "except OSError:\n"
        "    pass\n"
        "s = socket.socket()\n"
        "print(s.connect_ex(('192.0.2.1', 53)))\n"
        "socket.getaddrinfo('localhost', 80)\n"
    )
    env = watched_env(shim, log)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert "getaddrinfo example.invalid" in text
    assert "connect 192.0.2.1:53" in text
    assert "localhost" not in text


def test_offline_switches_cover_onnxruntime_everywhere() -> None:
    assert OFFLINE_SWITCHES["ORT_DISABLE_TELEMETRY"] == "1"
    assert "ORT_DISABLE_TELEMETRY=1" in INSTALL_SH
    from ingestion import sandbox

    assert '"ORT_DISABLE_TELEMETRY": "1"' in Path(sandbox.__file__).read_text()


def test_ingest_then_tui_question_and_idle_make_no_lookup(
    shim: Path,
    tmp_path: Path,
    archivist_home: Path,
    report_pdf: Path,
    tiny_models: dict[str, Path],
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    assert ARCHIVIST.exists(), f"the console script is not installed at {ARCHIVIST}"
    log = tmp_path / "net.log"
    # A tiny GGUF answers (llama.cpp makes no network calls; the run is about the rest).
    env = watched_env(shim, log) | {"ARCHIVIST_MODEL": str(tiny_models["qwen3"])}
    started = time.monotonic()
    ingested = subprocess.run(
        [str(ARCHIVIST), "ingest", str(report_pdf)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ingested.returncode == 0, ingested.stderr

    name = f"archivist-egress-{uuid.uuid4().hex[:8]}"
    exports = " ".join(
        f"{key}={env[key]}"
        for key in (
            "LD_PRELOAD",
            "NETLOG_FILE",
            "PYTHONPATH",
            "ARCHIVIST_HOME",
            "ARCHIVIST_ONNX_CACHE",
            "ARCHIVIST_MAX_ANSWER_TOKENS",
            "ARCHIVIST_MODEL",
            "ARCHIVIST_THREADS",
        )
    )
    command = f"env {exports} TERM=xterm-256color {ARCHIVIST}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command], check=True
    )
    try:
        _wait(name, "Ask a question")
        subprocess.run(["tmux", "send-keys", "-t", name, "-l", "What were capex?"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], check=True)
        _wait(name, "tok/s")
        time.sleep(IDLE_S)  # telemetry fires ~9, 14 and 23 s after a session starts
        assert name in _tmux("list-sessions", "-F", "#{session_name}"), "the TUI died"
    finally:
        _tmux("kill-session", "-t", name)
    assert time.monotonic() - started > 30
    assert not log.exists(), log.read_text()


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30).stdout


def _wait(session: str, text: str, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in (shown := _tmux("capture-pane", "-p", "-t", session)):
        assert time.monotonic() < deadline, f"timed out; the pane shows:\n{shown}"
        time.sleep(0.25)
