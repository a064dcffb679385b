"""Key figures extraction (issue 25): recall on the dev questions, precision, and cost.

    .venv/bin/python bench/key_figures.py [--sample 100] [--seed 25] [--speed 4]

Reads every dev filing as ingest does (PDFium reader, cleaner), extracts its figures, then:
(a) for each dev question whose justification says the metric was "directly extracted",
whether the figures hold the gold value for its filing, item and period (the item from
the metric the justification names, the period and the unit from the question; a CAGR
question counts when its years' values give the gold CAGR); (b) a seeded sample of
extracted values, each checked on its page: the printed number on a line holding the
printed label, and the column header's year in the stated period (the sample is printed
for a reading by eye); (c) the time extraction adds to ingesting a few filings, against
the whole ingest of the same filings in the same run. Not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "data" / "financebench-dev"

from ingestion.cleaning import clean_pages  # noqa: E402
from ingestion.readers import read_raw_pages  # noqa: E402
from ingestion.records import parse_file_name  # noqa: E402
from retrieval.key_figures.extract import extract_figures  # noqa: E402
from retrieval.key_figures.items import ITEMS  # noqa: E402
from retrieval.key_figures.records import KeyFigure  # noqa: E402
from retrieval.statements import statement_pages  # noqa: E402

METRICS = {  # the justification's metric -> core item
    "capital expenditures": "capex",
    "ppne, net": "ppe_net",
    "total cash dividends paid out": "dividends_paid",
    "total revenue": "revenue",
    "cost of goods sold": "cost_of_revenue",
    "total current liabilities": "total_current_liabilities",
    "total current assets": "total_current_assets",
}
UNITS = {"millions": 1e6, "billions": 1e9, "thousands": 1e3}


def matches(amount: float, gold: float, decimals: int) -> bool:
    """Magnitudes (a cash outflow is printed negative, asked positive) equal within half
    the gold's last significant digit or 1% of it, whichever is larger."""
    return abs(abs(amount) - abs(gold)) <= max(0.5 * 10**-decimals, 0.01 * abs(gold))


def recall(figures: dict[str, list[KeyFigure]]) -> None:
    hits, total = 0, 0
    for line in (DEV / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        why = q.get("justification") or ""
        metric = re.search(r"metric (.+?) was directly extracted", why)
        if not metric:
            continue
        total += 1
        item = METRICS.get(metric.group(1).lower(), "")
        unit = next((v for k, v in UNITS.items() if k in q["question"].lower()), 1.0)
        years = re.findall(r"FY(\d{4})", q["question"])
        rows = [f for f in figures[q["doc_name"]] if f.item == item]
        by_period = {f.period: f.amount / unit for f in rows}
        gold = q["answer"].replace("$", "").replace(",", "")
        # trailing zeros are not significant: "$8.70" is 8.7, and 8,738 millions matches
        decimals = len(gold.split(".")[1].rstrip("%").rstrip("0")) if "." in gold else 0
        if "CAGR" in q["question"] and len(years) == 2:
            start, end = by_period.get(f"FY{years[0]}"), by_period.get(f"FY{years[1]}")
            n = int(years[1]) - int(years[0])
            got = 100 * ((end / start) ** (1 / n) - 1) if start and end else math.nan
            ok = round(got, decimals) == float(gold.rstrip("%"))
            shown = f"{start} -> {end}: CAGR {got:.2f}%"
        else:
            got = by_period.get(f"FY{years[-1]}", math.nan)
            ok = not math.isnan(got) and matches(got, float(gold), decimals)
            shown = f"{got}"
        hits += ok
        wanted = f"FY{years[-1]}"
        source = next((f"p{f.page} '{f.label}'" for f in rows if f.period == wanted), "")
        print(
            f"  {'HIT ' if ok else 'MISS'} {q['doc_name']} {item} {wanted}: gold {q['answer']},"
            f" table {shown} {source}"
        )
    print(f"(a) recall: {hits}/{total} = {hits / max(total, 1):.0%}")


def check(f: KeyFigure, text: str) -> tuple[bool, str]:
    """Automatic check of one value against its page's text."""
    printed = f"{abs(f.value):,.{_decimals(f.value)}f}"
    lines = text.splitlines()
    first_word = f.label.split()[0]
    last_word = f.label.split()[-1]
    on_line = (
        any(printed in line and (first_word in line or last_word in line) for line in lines)
        or any(  # a label wrapped onto the line above its numbers
            printed in b and (first_word in a or last_word in b)
            for a, b in zip(lines, lines[1:], strict=False)
        )
    )
    year = re.search(r"(19|20)\d{2}", f.header)
    fiscal = re.search(r"\d{4}", f.period)
    header_ok = (
        year is not None
        and fiscal is not None
        and (not f.period_end or f.period_end[:4] == year.group())
        and int(fiscal.group()) - int(year.group()) in (0, 1)  # a year ending after December
    )
    spans = {"three": "Q", "13 weeks": "Q", "six": " 6M", "nine": " 9M", "twelve": "FY"}
    span = next((v for k, v in spans.items() if k in f.header.lower()), "")
    header_ok = header_ok and span in f.period
    return on_line and header_ok, printed


def _decimals(value: float) -> int:
    text = f"{abs(value)}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def precision(
    figures: dict[str, list[KeyFigure]], pages: dict[str, dict[int, str]], size: int, seed: int
) -> None:
    population = [f for name in sorted(figures) for f in figures[name]]
    sample = random.Random(seed).sample(population, min(size, len(population)))
    good = 0
    for f in sample:
        ok, printed = check(f, pages[f.document_id][f.page])
        good += ok
        print(
            f"  {'ok ' if ok else 'BAD'} {f.document_id} p{f.page} {f.statement[:4]} "
            f"'{f.label[:60]}' [{f.header}] -> {f.period} {f.value:g} x{f.scale:g} {f.unit}"
        )
    print(f"(b) precision, automatic: {good}/{len(sample)} = {good / max(len(sample), 1):.0%}")


def coverage(figures: dict[str, list[KeyFigure]]) -> None:
    statements: Counter[str] = Counter()
    items: Counter[str] = Counter()
    for figs in figures.values():
        for s in {f.statement for f in figs}:
            statements[s] += 1
        for i in {f.item for f in figs if f.item}:
            items[i] += 1
    print(f"filings: {len(figures)}; with each statement: {dict(statements)}")
    print("with each core item: " + ", ".join(f"{i} {items[i]}" for i in ITEMS))


def speed(names: list[str], rounds: int) -> None:
    """Whole ingest (until every chunk is embedded) of the same filings into fresh
    workspaces, extraction on and off in turn, the embedder loaded once beforehand; and the
    askable phase (`index_document`, where extraction runs) timed on its own."""
    import os

    from app.services import indexing
    from app.services import ingest as ingest_service
    from app.settings import load_settings
    from app.workspace import Workspace

    real, phase_one = indexing.extract_figures, ingest_service.index_document
    files = [DEV / "pdfs" / f"{n}.pdf" for n in names]
    whole: dict[str, list[float]] = {"on": [], "off": []}
    askable: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    embedder = None
    extracting: list[float] = []
    homes: list[str] = []

    def measured(*a: Any) -> Any:
        start = time.perf_counter()
        result = real(*a)
        extracting.append(time.perf_counter() - start)
        return result

    for turn in range(rounds + 1):  # the first "on" warms the caches, not counted
        for mode in ("on",) if turn == 0 else ("on", "off") if turn % 2 else ("off", "on"):
            indexing.extract_figures = measured if mode == "on" else (lambda *_: [])  # type: ignore[assignment]

            def timed(*a: Any, mode: str = mode) -> Any:
                start = time.perf_counter()
                result = phase_one(*a)
                askable[mode].append(time.perf_counter() - start)
                return result

            ingest_service.index_document = timed  # type: ignore[assignment]
            home = tempfile.mkdtemp()  # removed at the end: workers may still be leaving
            os.environ["ARCHIVIST_HOME"] = home
            settings = load_settings()
            embedder = embedder or Workspace(settings).embedder
            workspace = Workspace(settings, embedder=embedder)
            start, cpu_start = time.perf_counter(), _cpu()
            ingest_service.ingest(workspace, files)
            whole[mode].append(time.perf_counter() - start)
            cpu[mode].append(_cpu() - cpu_start)
            workspace.close()
            homes.append(home)
            print(
                f"    {mode}: {whole[mode][-1]:.1f} s, CPU {cpu[mode][-1]:.1f} s,"
                f" load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    indexing.extract_figures, ingest_service.index_document = real, phase_one
    whole["on"], cpu["on"], askable["on"] = (
        whole["on"][1:],
        cpu["on"][1:],
        askable["on"][len(files) :],
    )
    extracting[:] = extracting[len(files) :]
    for home in homes:
        shutil.rmtree(home, ignore_errors=True)
    for mode in ("on", "off"):
        print(
            f"(c) extraction {mode}: whole ingest of {len(files)} filings "
            f"{', '.join(f'{t:.1f}' for t in whole[mode])} s (median "
            f"{statistics.median(whole[mode]):.1f}); index_document total per run "
            f"{sum(askable[mode]) / rounds:.2f} s"
        )
    per_run = sum(extracting) / rounds
    print(
        f"(c) extraction itself, inside the ingests with it on: {per_run:.3f} s per run ="
        f" {100 * per_run / statistics.median(whole['on']):.2f}% of the whole ingest"
    )
    cpu_on, cpu_off = statistics.median(cpu["on"]), statistics.median(cpu["off"])
    print(
        f"(c) CPU time (this process and its parse workers): on {cpu_on:.1f} s, off"
        f" {cpu_off:.1f} s (medians): {100 * (cpu_on - cpu_off) / cpu_off:+.1f}%"
    )
    on, off = statistics.median(whole["on"]), statistics.median(whole["off"])
    print(
        f"(c) slower with extraction: {100 * (on - off) / off:+.1f}% (whole ingest, medians);"
        f" load average {os.getloadavg()}"
    )


def _cpu() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--speed", default="", help="comma-separated filings to time ingest on")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    figures: dict[str, list[KeyFigure]] = {}
    pages: dict[str, dict[int, str]] = {}
    spent = 0.0
    for pdf in sorted((DEV / "pdfs").glob("*.pdf")):
        text = {p.index: p.text for p in clean_pages(read_raw_pages(pdf))}
        meta = parse_file_name(pdf.stem)
        assert meta is not None
        start = time.perf_counter()
        figures[pdf.stem] = extract_figures(pdf.stem, text, meta)
        spent += time.perf_counter() - start
        pages[pdf.stem] = {i: text[i] for s in statement_pages(text).values() for i in s}
    print(f"extraction over {len(figures)} filings: {spent:.2f} s (statement search included)")
    coverage(figures)
    recall(figures)
    precision(figures, pages, args.sample, args.seed)
    if args.speed:
        speed(args.speed.split(","), args.rounds)


if __name__ == "__main__":
    main()
