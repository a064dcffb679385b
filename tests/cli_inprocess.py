"""Run `archivist ARGS...` in this process (the real `app.cli.main`), for fast CLI tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from app.cli import main


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def one_line_error(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    argv = sys.argv
    sys.argv = ["archivist", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    out = capsys.readouterr()
    return Run(code, out.out, out.err)
