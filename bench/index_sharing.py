"""Benchmark: what sharing the Qdrant Edge index between processes costs.

    .venv/bin/python bench/index_sharing.py [--points 5000,50000] [--baseline DIR]

A Qdrant Edge shard may be open in one process at a time, so Archivist opens it for a
session under the index lock and gives it back (`retrieval/edge_store.py`). This prints,
for indexes of each size (384-dim random vectors + BM25 text, as ingest writes them):
- load and close of the shard (the price of giving it back);
- a hybrid query cold (load + query + close) and in a lingering session (the shard kept
  open while this process may use it again);
- how long another process waits for an index this one holds idle (it asks with the
  `.want` file; the holder's watcher gives it back).
With `--baseline DIR` (a checkout of the previous release), `archivist ingest` of one
~100-page filing runs with that code and with this one, one after the other, in fresh
workspaces (the old code kept the shard open for the whole ingest).
Figures depend on the machine and its load (printed with them).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.edge_store import EdgeStore  # noqa: E402
from retrieval.store import IndexedPoint  # noqa: E402

FILING = ROOT.parent / "shared" / "data" / "financebench-dev" / "pdfs" / "NIKE_2019_10K.pdf"


def build(folder: Path, points: int) -> EdgeStore:
    store = EdgeStore(folder, 384)
    rng = random.Random(0)
    with store.session():
        for start in range(0, points, 1000):
            store.upsert(
                [
                    IndexedPoint(
                        id=str(uuid.uuid4()),
                        dense=[rng.random() for _ in range(384)],
                        text=f"net revenue grew in fiscal year {i % 30} segment {i % 7}",
                        payload={"document_id": f"d{i % 20}", "ordinal": i},
                    )
                    for i in range(start, min(start + 1000, points))
                ]
            )
    store.close()
    return store


def median_ms(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2] * 1000


def query_costs(store: EdgeStore) -> dict[str, float]:
    from qdrant_edge import EdgeShard

    loads, closes = [], []
    for _ in range(5):
        started = time.perf_counter()
        shard = EdgeShard.load(str(store.folder))
        loaded = time.perf_counter()
        shard.close()
        loads.append(loaded - started)
        closes.append(time.perf_counter() - loaded)
    vector = [random.random() for _ in range(384)]
    cold, warm = [], []
    store.linger_s = 0
    for _ in range(5):
        started = time.perf_counter()
        store.hybrid_search(vector, "net revenue", 40)
        cold.append(time.perf_counter() - started)
    store.linger_s = 2.0
    store.hybrid_search(vector, "net revenue", 40)
    for _ in range(5):
        started = time.perf_counter()
        store.hybrid_search(vector, "net revenue", 40)
        warm.append(time.perf_counter() - started)
    store.close()
    return {
        "load": median_ms(loads),
        "close": median_ms(closes),
        "cold query": median_ms(cold),
        "lingering query": median_ms(warm),
    }


WAITER = """
import sys, time
from pathlib import Path
from retrieval.edge_store import EdgeStore
store = EdgeStore(Path(sys.argv[1]), 384)
started = time.perf_counter()
store.count()
print(round((time.perf_counter() - started) * 1000))
"""


def handover_ms(store: EdgeStore) -> float:
    """Another process's count while this one holds the index idle (lingering)."""
    store.linger_s = 30.0
    store.count()  # now open and lingering for 30 s
    done = subprocess.run(
        [sys.executable, "-c", WAITER, str(store.folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    store.close()
    return float(done.stdout.strip())


def ingest_seconds(code: Path, filing: Path) -> float:
    home = Path(tempfile.mkdtemp(prefix="archivist-bench-"))
    env = {**os.environ, "PYTHONPATH": str(code), "ARCHIVIST_HOME": str(home)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app", "ingest", str(filing), "--no-progress"],
        cwd=code,
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    shutil.rmtree(home, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="5000,50000")
    parser.add_argument("--baseline", type=Path, help="a checkout of the previous release")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as scratch:
        for points in [int(n) for n in args.points.split(",")]:
            store = build(Path(scratch) / f"index{points}", points)
            costs = query_costs(store)
            costs["handover to another process"] = handover_ms(store)
            line = ", ".join(f"{k} {v:.0f} ms" for k, v in costs.items())
            print(f"{points} points: {line}")
    if args.baseline is not None and FILING.is_file():
        for label, code in (("previous release", args.baseline), ("this code", ROOT)):
            seconds = ingest_seconds(code, FILING)
            print(f"ingest {FILING.stem} with {label}: {seconds:.1f} s")
    print(f"load at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
