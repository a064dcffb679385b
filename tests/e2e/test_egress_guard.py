"""The guard the air-gap tests rely on really catches a connection attempt."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).resolve().parents[1] / "egress_guard.py"


def test_guard_records_and_refuses_a_remote_connect(tmp_path: Path) -> None:
    log = tmp_path / "egress.log"
    code = (
        "import runpy, socket, sys\n"
        f"sys.argv = [{str(GUARD)!r}]\n"
        "hook = runpy.run_path(sys.argv[0])['_hook']\n"
        "sys.addaudithook(hook)\n"
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 443), timeout=0.5)\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n"
        "socket.getaddrinfo('localhost', 80)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "EGRESS_LOG": str(log)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ConnectionRefusedError" in result.stdout
    assert "192.0.2.1" in log.read_text()
    assert "localhost" not in log.read_text()


@pytest.mark.slow  # the real command in its own process, as the air-gap test runs it
def test_cli_under_guard_makes_no_attempt(tmp_path: Path) -> None:
    log = tmp_path / "egress.log"
    result = subprocess.run(
        [sys.executable, str(GUARD), "config", "show", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "EGRESS_LOG": str(log), "ARCHIVIST_HOME": str(tmp_path)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert not log.exists()
