"""Benchmark: ingest the FinanceBench dev filings into a fresh workspace, against the peer.

    .venv/bin/python bench/ingest.py [--limit N] [--workers N] [--backend torch|onnx|onnx-int8]
        [--reader pdfium|pypdf] [--no-peer] [--askable NAME] [--files NAME,NAME]
        [--ready-timeout S]   # stop waiting for "fully embedded" S seconds after askable
        [--home DIR]   # keep the workspace (e.g. for `archivist eval retrieval` afterwards)

Prints pages, seconds, end-to-end pages/s, embedding chunks/s and peak RSS: this process,
one parse worker, and all of them together (sampled from /proc while the ingest runs);
seconds until the first and the last document was searchable (BM25) and ready (dense).
Then, in the same run: `archivist ingest` of one ~100-page filing (NIKE_2019_10K) in a
fresh workspace as a user runs it, timed from the command's start until the filing is
askable (searchable) and until it is fully embedded; and the peer pipeline
(`bench/peer_ingest.py`: pypdf + torch MiniLM, 1,024-character chunks) on the same files
and on the one filing. The ONNX export is made beforehand (`archivist setup`), as setup
does. Not a test: figures depend on the machine and its load (printed with them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
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


def askable_run(path: Path, env: dict[str, str], ready_timeout: float) -> dict[str, object]:
    """`archivist ingest PATH` in a fresh workspace, as a user runs it: seconds from the
    command's start until the filing is searchable, and until it is ready (-1: not within
    `ready_timeout` seconds of being searchable; the run is then killed, which is safe)."""
    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "catalogue.sqlite"
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "ingest", str(path)],
            env={**env, "ARCHIVIST_HOME": home},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seen: dict[str, float] = {}
        while process.poll() is None or "ready" not in seen:
            status = _status(db)
            if status and status not in seen:
                seen[status] = time.perf_counter() - started
            if process.poll() is not None and status is None:
                break
            since = seen.get("searchable")
            if ready_timeout and since and time.perf_counter() - started > since + ready_timeout:
                process.kill()
                process.wait()
                break
            time.sleep(0.05)
        return {
            "file": path.stem,
            "askable_s": round(seen.get("searchable", seen.get("ready", -1)), 1),
            "ready_s": round(seen.get("ready", -1), 1),
            "exit": process.returncode,
        }


def _status(db: Path) -> str | None:
    if not db.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as connection:
            row = connection.execute("SELECT status FROM documents LIMIT 1").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def peer_run(files: list[Path], timeout: float | None = None) -> dict[str, Any]:
    try:
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "peer_ingest.py"), *map(str, files)],
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"timed_out_after_s": timeout}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="only the first N filings")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--backend", default=None, help="embedder backend setting")
    parser.add_argument("--reader", default=None, help="pdf_reader setting: pdfium or pypdf")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer pipeline")
    parser.add_argument("--askable", default="NIKE_2019_10K", help="the ~100-page filing")
    parser.add_argument("--files", default="", help="these filings (names, comma-separated)")
    parser.add_argument("--ready-timeout", type=float, default=0.0)
    parser.add_argument("--dev", type=Path, default=DEV, help="folder of the filings")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--home", type=Path, default=None, help="keep the workspace here (must not exist yet)"
    )
    args = parser.parse_args()
    if not args.dev.is_dir():
        sys.exit(f"bench: FinanceBench dev set not found at {args.dev} (give --dev FOLDER)")
    files = sorted(args.dev.glob("*.pdf"))[: args.limit or None]
    if args.files:
        files = [args.dev / f"{name}.pdf" for name in args.files.split(",")]
    if args.home is not None and args.home.exists():
        sys.exit(f"bench: {args.home} exists; give a new folder so the ingest starts empty")
    if args.backend:
        os.environ["ARCHIVIST_EMBEDDER_BACKEND"] = args.backend
    if args.reader:
        os.environ["ARCHIVIST_PDF_READER"] = args.reader
    env = dict(os.environ)
    subprocess.run(  # the export setup makes, not counted (a fresh install has it)
        [sys.executable, "-m", "app", "setup"], env=env, check=True, capture_output=True
    )
    load_before = load()
    with tempfile.TemporaryDirectory() as scratch:
        home = str(args.home or scratch)
        os.environ["ARCHIVIST_HOME"] = home
        from app.services import ingest as ingest_service
        from app.settings import load_settings
        from app.workspace import Workspace

        settings = load_settings()
        # The embedder loads first (not counted below), then the workspace is composed with
        # it wrapped in a timer.
        timed = TimedEmbedder(Workspace(settings).embedder)
        workspace = Workspace(settings, embedder=timed)
        marks: dict[str, list[float]] = {"searchable": [], "ready": []}
        phase_one, phase_two = ingest_service.index_document, ingest_service.embed_document

        def searchable(*a: Any) -> Any:
            result = phase_one(*a)
            marks["searchable"].append(time.perf_counter() - started)
            return result

        def ready(*a: Any) -> Any:
            result = phase_two(*a)
            marks["ready"].append(time.perf_counter() - started)
            return result

        ingest_service.index_document = searchable  # type: ignore[assignment]
        ingest_service.embed_document = ready  # type: ignore[assignment]
        sampler = MemorySampler()
        sampler.start()
        started = time.perf_counter()
        report = ingest_service.ingest(workspace, files, workers=args.workers)
        seconds = time.perf_counter() - started
        sampler.stop.set()
        workspace.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    parse_cpu = children.ru_utime + children.ru_stime  # the parse workers, all of them
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "reader": os.environ.get("ARCHIVIST_PDF_READER", "pdfium"),
        "files": len(files),
        "ingested": len(report.ingested),
        "rejected": len(report.rejected),
        "pages": report.pages,
        "chunks": report.chunks,
        "seconds": round(seconds, 1),
        "pages_per_s": round(report.pages / seconds, 1),
        "first_searchable_s": round(min(marks["searchable"], default=-1), 1),
        "all_searchable_s": round(max(marks["searchable"], default=-1), 1),
        "first_ready_s": round(min(marks["ready"], default=-1), 1),
        "embed_chunks_per_s": round(timed.chunks / timed.seconds, 1) if timed.seconds else 0,
        "embed_seconds": round(timed.seconds, 1),
        # CPU seconds the workers spent reading, cleaning and chunking (they share the
        # cores with embedding): pages per CPU second is what parsing alone would allow.
        "parse_cpu_seconds": round(parse_cpu, 1),
        "parse_pages_per_cpu_s": round(report.pages / parse_cpu, 1) if parse_cpu else 0,
        "peak_rss_mb_main": round(own),
        "peak_rss_mb_worker": round(sampler.peak_child),
        "peak_rss_mb_all": round(sampler.peak_total),  # main + workers, at one moment
        "load_average_before": load_before,
        "load_average": load(),
        "rejected_reasons": [str(r["reason"]) for r in report.rejected],
    }
    askable = args.dev / f"{args.askable}.pdf"
    if askable.is_file():
        result["askable"] = askable_run(askable, env, args.ready_timeout) | {"load_average": load()}
    if not args.no_peer:
        peer = peer_run(files) | {"load_average": load()}
        result["peer"] = peer
        result["speedup_pages_per_s"] = round(result["pages_per_s"] / peer["pages_per_s"], 2)
        if askable.is_file():
            limit = args.ready_timeout * 2 or None
            one = peer_run([askable], limit)
            result["peer_askable"] = {
                "file": args.askable,
                "askable_s": one.get("first_file_askable_s", f"> {limit} s"),
                "load_average": load(),
            }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:22} {value}")


if __name__ == "__main__":
    main()
