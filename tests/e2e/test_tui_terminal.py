"""The installed `archivist` command in a real terminal (tmux): type a question, read the
answer and a citation back from the pane, open the cited page, quit.

Needs tmux (`.ci/run` installs it where it is missing); skips with a message without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import make_pdf

# a real `archivist` in a real terminal; the tmux tests share one worker (the server)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tmux")]

ARCHIVIST = Path(sys.executable).with_name("archivist")
ROOT = Path(__file__).resolve().parents[2]


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30)
    return done.stdout


def pane(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, test: Callable[[str], bool], timeout: float = 240.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        shown = pane(session)
        if test(shown):
            return shown
        assert time.monotonic() < deadline, f"timed out; the pane shows:\n{shown}"
        time.sleep(0.25)


@pytest.fixture
def session(archivist_home: Path, report_pdf: Path) -> Iterator[str]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    assert ARCHIVIST.exists(), f"the console script is not installed at {ARCHIVIST}"
    ingested = subprocess.run(
        [str(ARCHIVIST), "ingest", str(report_pdf)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert ingested.returncode == 0, ingested.stderr
    name = f"archivist-test-{uuid.uuid4().hex[:8]}"
    env = (
        f"ARCHIVIST_HOME={archivist_home} ARCHIVIST_MAX_ANSWER_TOKENS=24 ARCHIVIST_THREADS=1 "
        "TERM=xterm-256color"
    )
    env += f" PYTHONPATH={ROOT}"  # this checkout's code, however the command was installed
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", f"env {env} {ARCHIVIST}")
    try:
        yield name
    finally:
        tmux("kill-session", "-t", name)


def test_ask_in_a_real_terminal_and_open_the_cited_page(session: str) -> None:
    wait_for(session, lambda s: "Ask a question" in s)
    tmux("send-keys", "-t", session, "-l", "What were capital expenditures?")
    tmux("send-keys", "-t", session, "Enter")
    # The answer is done when the per-answer figures (tokens/s) appear.
    shown = wait_for(session, lambda s: "tok/s" in s)
    assert "What were capital expenditures?" in shown
    assert "NORTHWIND_2023_10K p." in shown  # a citation, as the analyst reads it

    # to the citations and open the first one, both keys in one write as a loaded machine
    # reads them: the Enter must open the page, not reach the question box
    tmux("send-keys", "-t", session, "C-g", "Enter")
    shown = wait_for(session, lambda s: "of 4" in s)
    assert "NORTHWIND_2023_10K — page" in shown
    assert any(line in shown for line in ("Capital expenditures", "Revenue grew", "Northwind"))

    tmux("send-keys", "-t", session, "Escape")
    tmux("send-keys", "-t", session, "C-q")
    deadline = time.monotonic() + 30
    while session in tmux("list-sessions", "-F", "#{session_name}"):
        assert time.monotonic() < deadline, "archivist did not quit on Ctrl+Q"
        time.sleep(0.25)


def run_cli(home: Path, *args: str, model: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_MODEL": str(model),
        "ARCHIVIST_MAX_ANSWER_TOKENS": "16",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [str(ARCHIVIST), *args], capture_output=True, text=True, timeout=300, env=env
    )


def test_the_cli_works_beside_an_open_tui(
    session: str, archivist_home: Path, tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    """The TUI open on a workspace (it has just answered), and in another terminal `ask`,
    `ingest` and `docs rm`: all succeed, none is told the index is damaged, and the TUI's
    library shows what the other process changed."""
    wait_for(session, lambda s: "Ask a question" in s)
    tmux("send-keys", "-t", session, "-l", "What were capital expenditures?")
    tmux("send-keys", "-t", session, "Enter")
    wait_for(session, lambda s: "tok/s" in s)

    model = tiny_models["qwen3"]
    asked = run_cli(archivist_home, "ask", "What were capital expenditures?", "--json", model=model)
    assert asked.returncode == 0, asked.stderr
    assert "reindex" not in asked.stderr
    other = make_pdf(tmp_path / "CONTOSO_2022_10K.pdf", ["Contoso capital spending rose."] * 3)
    ingested = run_cli(archivist_home, "ingest", str(other), model=model)
    assert ingested.returncode == 0, ingested.stderr
    removed = run_cli(archivist_home, "docs", "rm", "NORTHWIND_2023_10K", model=model)
    assert removed.returncode == 0, removed.stderr

    tmux("send-keys", "-t", session, "F2")  # the library list follows the other process
    shown = wait_for(session, lambda s: "CONTOSO_2022_10K" in s, timeout=60)
    assert "NORTHWIND_2023_10K" not in shown

    tmux("send-keys", "-t", session, "C-q")
    deadline = time.monotonic() + 30
    while session in tmux("list-sessions", "-F", "#{session_name}"):
        assert time.monotonic() < deadline, "archivist did not quit on Ctrl+Q"
        time.sleep(0.25)


def test_the_figures_screen_in_a_real_terminal(
    archivist_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F6 shows ACME's key figures (two filings ingested, their figures seeded as the
    extractor stores them), the capex line plotted with its restated 2022 value, and Enter
    opens the page a value was read from. On a tmux server of its own (TMUX_TMPDIR), so
    no other terminal test's server or client resizes its window or loses its keys."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    from app.settings import load_settings
    from app.workspace import Workspace
    from tests.figures_library import acme_library

    workspace = Workspace(load_settings())
    try:
        acme_library(workspace, tmp_path / "docs")
    finally:
        workspace.close()
    sockets = tmp_path / "tmux"
    sockets.mkdir()
    monkeypatch.setenv("TMUX_TMPDIR", str(sockets))
    name = f"archivist-test-{uuid.uuid4().hex[:8]}"
    env = f"ARCHIVIST_HOME={archivist_home} ARCHIVIST_THREADS=1 TERM=xterm-256color"
    env += f" PYTHONPATH={ROOT}"
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", f"env {env} {ARCHIVIST}")
    try:
        wait_for(name, lambda s: "Ask a question" in s)
        tmux("send-keys", "-t", name, "F6")
        shown = wait_for(name, lambda s: "Revenue / net sales, FY2021" in s)
        assert "ACME (2)" in shown and "FY2021" in shown and "FY2023" in shown
        for key, cell in (
            ("Down", "Diluted EPS, FY2021"),
            ("Down", "Capital expenditures, FY2021"),
            ("Right", "Capital expenditures, FY2022"),  # restated
        ):
            tmux("send-keys", "-t", name, key)
            shown = wait_for(name, lambda s, cell=cell: cell in s)
        assert "(125) *" in shown and "restated; was (120)" in shown
        assert "Capital expenditures ($M)" in shown  # the chart, columns hanging from zero
        assert "0 ┤" in shown and "████" in shown
        tmux("send-keys", "-t", name, "Enter")  # the page it was read from
        shown = wait_for(name, lambda s: "ACME_2023_10K — page 3 of 3" in s)
        assert "Purchases of property and equipment (130) (125)" in shown
        tmux("send-keys", "-t", name, "Escape")
        wait_for(name, lambda s: "Capital expenditures ($M)" in s)
        tmux("send-keys", "-t", name, "C-q")
        deadline = time.monotonic() + 30
        while name in tmux("list-sessions", "-F", "#{session_name}"):
            assert time.monotonic() < deadline, "archivist did not quit on Ctrl+Q"
            time.sleep(0.25)
    finally:
        tmux("kill-server")  # this test's own server
