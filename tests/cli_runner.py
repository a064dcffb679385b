"""Run the `archivist` command in-process, through the same `main()` the installed script calls.

Typer's `CliRunner` isolates stdin, stdout, stderr and the environment; `main()` then turns
errors into one stderr line and an exit code exactly as it does in the installed command.
No interpreter start and no torch import per call, so usage and exit-code checks are fast.
Crash (kill -9), air-gap and terminal tests still start real processes (and are `slow`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from app.cli import main


@dataclass(frozen=True)
class CliResult:
    """What a finished command left behind, named as `subprocess.CompletedProcess` names it."""

    returncode: int
    stdout: str
    stderr: str


def archivist(*args: str, home: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """`archivist ARGS...` with ARCHIVIST_HOME=home (default: the environment's) and `env`
    set only for this call."""
    runner = CliRunner()
    argv = sys.argv
    code = 0
    overlay = {"ARCHIVIST_HOME": str(home)} if home is not None else {}
    with runner.isolation(env={**overlay, **(env or {})}) as streams:
        sys.argv = ["archivist", *args]
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.argv = argv
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return CliResult(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))


def one_line_error(result: CliResult) -> str:
    """The single stderr line every failure prints (and no traceback)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
