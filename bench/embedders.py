"""Compare embedding backends on the dev set: speed and evidence-page hit@5.

    .venv/bin/python bench/embedders.py [--docs all|small] [--threads 2]

Parses the chosen filings once (sandboxed, as ingest does), embeds every chunk with each
backend (torch, onnx, onnx-int8), and for every question of those filings checks whether
any of the top-5 chunks is on a gold evidence page (zero-based page index), searching
within the question's filing and across all chosen filings. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "data" / "financebench-dev"
SMALL = [
    "AMCOR_2022_8K_dated-2022-07-01",
    "AMCOR_2023Q4_EARNINGS",
    "ULTABEAUTY_2023Q4_EARNINGS",
    "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30",
    "FOOTLOCKER_2022_8K_dated_2022-08-19",
    "AMCOR_2023Q2_10Q",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", default="small", choices=["small", "all"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from ingestion.embedder import SentenceTransformerEmbedder, bundled_model_folder
    from ingestion.onnx_embedder import OnnxEmbedder
    from ingestion.pipeline import ParseOptions, embedding_text
    from ingestion.sandbox import Parsed, ParsePool, SandboxLimits

    questions = [json.loads(line) for line in (DEV / "questions.jsonl").open()]
    names = SMALL if args.docs == "small" else sorted({q["doc_name"] for q in questions})
    questions = [q for q in questions if q["doc_name"] in names]
    folder = bundled_model_folder()
    assert folder is not None
    docs = {}
    with ParsePool(ParseOptions(folder), SandboxLimits(2, 900, 4096)) as pool:
        for outcome in pool.parse([DEV / "pdfs" / f"{n}.pdf" for n in names]):
            assert isinstance(outcome, Parsed), outcome
            docs[outcome.document.name] = outcome.document
    rows = [(d.name, c) for d in docs.values() for c in d.chunks]
    texts = [embedding_text(name, docs[name].meta, c) for name, c in rows]
    owners = np.array([name for name, _ in rows])
    pages = np.array([c.first_page for _, c in rows])
    print(
        f"{len(docs)} filings, {sum(d.page_count for d in docs.values())} pages, "
        f"{len(texts)} chunks, {len(questions)} questions, load {os.getloadavg()[0]:.1f}"
    )
    cache = Path(tempfile.mkdtemp()) / "onnx"
    for backend in args.backends.split(","):
        if backend == "torch":
            embedder = SentenceTransformerEmbedder(folder)
        else:
            OnnxEmbedder(folder, cache, quantized=backend == "onnx-int8")  # export untimed
            embedder = OnnxEmbedder(
                folder, cache, quantized=backend == "onnx-int8", threads=args.threads
            )
        started = time.perf_counter()
        matrix = np.array(embedder.embed(texts))
        seconds = time.perf_counter() - started
        hits = {"per_doc": 0, "shared": 0}
        for q in questions:
            [vector] = embedder.embed([q["question"]])
            scores = matrix @ np.array(vector)
            gold = {e["evidence_page_num"] for e in q["evidence"]}
            for scope in hits:
                mask = owners == q["doc_name"] if scope == "per_doc" else np.ones(len(rows), bool)
                ranked = np.where(mask)[0][np.argsort(-scores[mask])[:5]]
                good = any(owners[i] == q["doc_name"] and pages[i] in gold for i in ranked)
                hits[scope] += int(good)
        share = {k: round(100 * v / len(questions), 1) for k, v in hits.items()}
        print(
            f"{backend:10} {len(texts) / seconds:6.1f} chunks/s   hit@5 per-filing "
            f"{share['per_doc']}%  shared {share['shared']}%   load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
