"""A one-line progress bar on stderr: files, pages/s, ETA. Only on a terminal, or forced."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from app.plain_text import printable
from app.services.ingest import ProgressState

FORCE_ENV = "ARCHIVIST_PROGRESS"  # "1" forces the bar (e.g. under a pager), "0" hides it
WIDTH = 24


def progress_wanted(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    forced = os.environ.get(FORCE_ENV)
    if forced in ("0", "1"):
        return forced == "1"
    return sys.stderr.isatty()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class ProgressBar:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, state: ProgressState) -> None:
        share = state.bytes_done / state.bytes_total if state.bytes_total else 1.0
        filled = int(share * WIDTH)
        rate = state.pages_done / state.elapsed if state.elapsed > 0 else 0.0
        eta = state.elapsed * (1 - share) / share if share > 0 else 0.0
        line = (
            f"[{'#' * filled}{'.' * (WIDTH - filled)}] {state.files_done}/{state.files_total} "
            f"files  {state.pages_done} pages  {rate:.1f} pages/s  ETA {_duration(eta)}  "
            f"{printable(state.current[:40])}"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + line)
            if state.files_done == state.files_total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
