"""Benchmark: ingest the FinanceBench dev filings into a fresh workspace.

    .venv/bin/python bench/ingest.py [--limit N] [--workers N] [--backend torch|onnx|onnx-int8]
        [--home DIR]   # keep the workspace (e.g. for `archivist eval retrieval` afterwards)

Prints pages, seconds, end-to-end pages/s, embedding chunks/s and peak RSS: this process,
one parse worker, and all of them together (sampled from /proc while the ingest runs).
Not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "data" / "financebench-dev" / "pdfs"


class TimedEmbedder:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.chunks = 0

    @property
    def dimension(self) -> int:
        return int(self.inner.dimension)

    def embed(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors: list[list[float]] = self.inner.embed(texts)
        self.seconds += time.perf_counter() - started
        self.chunks += len(texts)
        return vectors


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class MemorySampler(threading.Thread):
    """Peak RSS of this process, of one child, and of all of them at the same moment."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_total = self.peak_child = 0.0

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.25):
            children = [_rss_mb(pid) for pid in _children(me)]
            self.peak_child = max([self.peak_child, *children])
            self.peak_total = max(self.peak_total, _rss_mb(me) + sum(children))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="only the first N filings")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--backend", default=None, help="embedder backend setting")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--home", type=Path, default=None, help="keep the workspace here (must not exist yet)"
    )
    args = parser.parse_args()
    if not DEV.is_dir():
        sys.exit(f"bench: FinanceBench dev set not found at {DEV}")
    files = sorted(DEV.glob("*.pdf"))[: args.limit or None]
    if args.home is not None and args.home.exists():
        sys.exit(f"bench: {args.home} exists; give a new folder so the ingest starts empty")
    with tempfile.TemporaryDirectory() as scratch:
        home = str(args.home or scratch)
        os.environ["ARCHIVIST_HOME"] = home
        if args.backend:
            os.environ["ARCHIVIST_EMBEDDER_BACKEND"] = args.backend
        from app.services.ingest import ingest
        from app.settings import load_settings
        from app.workspace import Workspace

        workspace = Workspace(load_settings())
        timed = TimedEmbedder(workspace.embedder)  # model load is not counted below
        workspace.__dict__["embedder"] = timed
        sampler = MemorySampler()
        sampler.start()
        started = time.perf_counter()
        report = ingest(workspace, files, workers=args.workers)
        seconds = time.perf_counter() - started
        sampler.stop.set()
        workspace.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    parse_cpu = children.ru_utime + children.ru_stime  # the parse workers, all of them
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "files": len(files),
        "ingested": len(report.ingested),
        "rejected": len(report.rejected),
        "pages": report.pages,
        "chunks": report.chunks,
        "seconds": round(seconds, 1),
        "pages_per_s": round(report.pages / seconds, 1),
        "embed_chunks_per_s": round(timed.chunks / timed.seconds, 1) if timed.seconds else 0,
        "embed_seconds": round(timed.seconds, 1),
        # CPU seconds the workers spent reading, cleaning and chunking (they share the
        # cores with embedding): pages per CPU second is what parsing alone would allow.
        "parse_cpu_seconds": round(parse_cpu, 1),
        "parse_pages_per_cpu_s": round(report.pages / parse_cpu, 1) if parse_cpu else 0,
        "peak_rss_mb_main": round(own),
        "peak_rss_mb_worker": round(sampler.peak_child),
        "peak_rss_mb_all": round(sampler.peak_total),  # main + workers, at one moment
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "rejected_reasons": [str(r["reason"]) for r in report.rejected],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:20} {value}")


if __name__ == "__main__":
    main()
