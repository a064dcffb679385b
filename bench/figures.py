"""Figure-check benchmark: right and wrong claims written from real filing pages.

    .venv/bin/python bench/figures.py [--data ../shared/data/financebench-dev] [--docs 34]
        [--pages-per-doc 8] [--per-class 300] [--seed 0] [--markdown]

Pages come from the FinanceBench dev PDFs through the project's own reader
(ingestion/readers.py): every gold evidence page plus a seeded sample of number-dense
pages per document. The claims are written from the page's own numbers by a reading that
is independent of the checker (a plain token scan here): right ones that must verify (a
number as written, millions restated as "$X.Y billion", percentages, negatives, numbers
the page splits across a line) and wrong ones that must not (moved numbers, a bare number
or a note number as a %, 1,000x scale errors, sign flips, years as amounts, basis points,
ranges, page references, a percentage as dollars). A wrong claim is kept only when no
number on the page could make it true at any scale. Calculations: percent changes,
ratios, margins, averages and turnovers over the page's numbers, right ones and ones with
a wrong operand, wrong arithmetic or a right operand from another year's column.
Each class reports the share judged right; the targets are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "financebench-dev"

from bench.figure_claims import TOKEN, Case, calc_cases, figure_cases, tokens  # noqa: E402


def read_pages(data: Path, docs: int, per_doc: int, rng: random.Random) -> dict[str, str]:
    """Gold evidence pages and a sample of number-dense pages, read by the project's reader."""
    from ingestion.readers import read_raw_pages

    gold: dict[str, set[int]] = defaultdict(set)
    for line in (data / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        for e in q["evidence"]:
            gold[e["doc_name"]].add(int(e["evidence_page_num"]))
    pages: dict[str, str] = {}
    for pdf in sorted((data / "pdfs").glob("*.pdf"))[:docs]:
        raw = read_raw_pages(pdf)
        dense = [p.index for p in raw if len(TOKEN.findall(p.text)) >= 40]
        chosen = set(gold.get(pdf.stem, set())) | set(rng.sample(dense, min(per_doc, len(dense))))
        for index in sorted(chosen):
            if index < len(raw):
                pages[f"{pdf.stem} p.{index + 1}"] = raw[index].text
    return pages


def judge(case: Case) -> bool:
    """True when the checker judged the case right."""
    import retrieval.figures as figures

    if not hasattr(figures, "audit_claims"):  # the checker before units: --before
        if case.group not in ("verify", "reject"):
            return case.group == "not computed"  # it had no calculation check
        verified = all(c.verified for c in figures.check_claim(case.claim, {"p": case.page}, {}))
        return verified if case.group == "verify" else not verified
    from retrieval.calculations import CalcStatus, check_calculations
    from retrieval.figures import Verdict, audit_claims

    if case.group in ("verify", "reject"):
        audit = audit_claims([(0, len(case.claim), {"page": case.page}, {})], case.claim)
        verified = audit.verdict == Verdict.VERIFIED
        return verified if case.group == "verify" else not verified
    [calc] = check_calculations(case.claim, {"page": case.page}) or [None]
    computed = calc is not None and calc.status == CalcStatus.COMPUTED
    return computed if case.group == "computed" else not computed


TARGETS = {"verify": 0.97, "reject": 0.99, "computed": 0.95, "not computed": 1.0}
WHAT = {
    "verify": "must verify",
    "reject": "must not verify",
    "computed": "right calculation: computed",
    "not computed": "wrong calculation: never computed",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--docs", type=int, default=34)
    parser.add_argument("--pages-per-doc", type=int, default=8)
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--before", type=Path, help="import the checker from this tree")
    args = parser.parse_args()
    if args.before:
        sys.path.insert(0, str(args.before))
    rng = random.Random(args.seed)
    started = time.perf_counter()
    pages = read_pages(args.data, args.docs, args.pages_per_doc, rng)
    read_s = time.perf_counter() - started
    by_class: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for label, text in pages.items():
        toks = tokens(text)
        for case in figure_cases(text, toks, rng) + calc_cases(text, toks, rng):
            by_class[(case.group, case.name)].append(replace(case, label=label))
    checked = time.perf_counter()
    results = []
    failures: dict[str, list[str]] = {}
    for (group, name), cases in sorted(by_class.items()):
        sample = rng.sample(cases, min(args.per_class, len(cases)))
        wrong = [c for c in sample if not judge(c)]
        rate = 1 - len(wrong) / len(sample)
        results.append((group, name, len(sample), rate))
        failures[name] = [f"{c.claim} ({c.label})" for c in wrong[:3]]
    check_s = time.perf_counter() - checked
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(pages)} pages read in {read_s:.0f} s; claims checked in {check_s:.0f} s")
    print(f"machine: {machine}; load average {load:.1f}")
    if args.markdown:
        print("\n| class | kind | n | judged right | target |\n|---|---|---|---|---|")
    for group, name, n, rate in results:
        target = TARGETS[group]
        ok = "met" if rate >= target else "MISSED"
        if args.markdown:
            print(f"| {name} | {WHAT[group]} | {n} | {rate:.3f} | >= {target:.2f} ({ok}) |")
        else:
            print(f"{WHAT[group]:<34} {name:<28} n={n:<4} {rate:.3f}  target {target:.2f} {ok}")
            for claim in failures[name]:
                print(f"    wrong on: {claim}")


if __name__ == "__main__":
    main()
