"""Retrieval latency: query p50/p95 over a 50,000-chunk library, and 128K-token assembly.

Run: .venv/bin/python bench/retrieval.py [--chunks 50000] [--queries 200] [--threads 2]

The library is synthetic (so it builds in seconds): chunks of ~160 words drawn from a
Zipf vocabulary, random unit dense vectors, real Qdrant Edge (dense + BM25) and a real
SQLite catalogue. Queries are real MiniLM embeddings of FinanceBench-style questions.
Measured per query: the embedding, the engine's hybrid query (prefetch + RRF), and the
whole `Retriever.evidence` call (query + catalogue + evidence units with page text).
The LLM is not involved. Assembly: a 128K-token whole-document prompt counted with the
starter model's tokenizer (cold: every page tokenized; warm: counts cached).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

QUESTIONS = [
    "What is the FY2018 capital expenditure amount in USD millions?",
    "How much cash was returned to shareholders through dividends and buybacks?",
    "What drove the change in gross margin compared with the prior year?",
    "What is the total amount of long-term debt outstanding at year end?",
    "Which segment had the highest operating income?",
    "What were the main risk factors related to supply chain disruptions?",
    "How many employees did the company have at the end of the fiscal year?",
    "What was the effective tax rate and why did it change?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build_library(home: Path, n_chunks: int, seed: int = 7) -> tuple[object, object]:
    from ingestion.records import Chunk, Page, ParsedDocument
    from retrieval.catalogue import Catalogue, chunk_id
    from retrieval.edge_store import EdgeStore
    from retrieval.store import IndexedPoint

    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(5000)] + [
        "capital", "expenditures", "revenue", "margin", "dividends", "debt", "segment",
        "employees", "tax", "rate", "cash", "flow", "income", "risk", "supply", "chain",
    ]  # fmt: skip
    weights = [1 / (i + 1) for i in range(len(vocab))]
    catalogue = Catalogue(f"sqlite:///{home / 'catalogue.sqlite'}")
    store = EdgeStore(home / "index", 384)
    per_doc, chunks_per_page = 1000, 4
    for doc_number in range(n_chunks // per_doc):
        sha = f"{doc_number:064d}"
        pages, chunks, points = [], [], []
        for p in range(per_doc // chunks_per_page):
            texts = [" ".join(rng.choices(vocab, weights, k=160)) for _ in range(chunks_per_page)]
            page_text = "\n".join(texts)
            pages.append(Page(p, str(p + 1), page_text))
            offset = 0
            for text in texts:
                chunks.append(Chunk(len(chunks), text, p, p, offset, offset + len(text)))
                offset += len(text) + 1
        doc = ParsedDocument(Path(f"SYN{doc_number}_2020_10K.pdf"), f"SYN{doc_number}_2020_10K",
                             sha, pages)  # fmt: skip
        doc_id = catalogue.begin_document(doc, chunks)
        for c in chunks:
            vector = [rng.gauss(0, 1) for _ in range(384)]
            norm = sum(v * v for v in vector) ** 0.5
            points.append(
                IndexedPoint(
                    chunk_id(sha, c.ordinal),
                    [v / norm for v in vector],
                    c.text,
                    {"document_id": doc_id, "first_page": c.first_page, "last_page": c.last_page},
                )
            )
        for start in range(0, len(points), 500):
            store.upsert(points[start : start + 500])
        catalogue.mark_ready(doc_id)
    return catalogue, store


def bench_queries(n_chunks: int, n_queries: int) -> None:
    from ingestion.embedder import SentenceTransformerEmbedder
    from retrieval.question import understand
    from retrieval.search import Retriever

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        started = time.perf_counter()
        catalogue, store = build_library(home, n_chunks)
        print(f"library: {store.count()} chunks built in {time.perf_counter() - started:.1f} s")  # type: ignore[attr-defined]
        embedder = SentenceTransformerEmbedder()
        retriever = Retriever(catalogue, store, embedder)  # type: ignore[arg-type]
        docs = [d.id for d in catalogue.documents()]  # type: ignore[attr-defined]
        embed_ms, engine_ms, evidence_ms, scoped_ms = [], [], [], []
        for i in range(n_queries):
            question = QUESTIONS[i % len(QUESTIONS)] + f" ({i})"
            t0 = time.perf_counter()
            [vector] = embedder.embed([question])
            t1 = time.perf_counter()
            store.hybrid_search(vector, question, 40)  # type: ignore[attr-defined]
            t2 = time.perf_counter()
            retriever.evidence(understand(question), 5, None, vector)
            t3 = time.perf_counter()
            retriever.evidence(understand(question), 5, [docs[i % len(docs)]], vector)
            t4 = time.perf_counter()
            embed_ms.append((t1 - t0) * 1000)
            engine_ms.append((t2 - t1) * 1000)
            evidence_ms.append((t3 - t2) * 1000)
            scoped_ms.append((t4 - t3) * 1000)
        for name, values in (
            ("embed question (MiniLM)", embed_ms),
            ("engine hybrid query (prefetch + RRF)", engine_ms),
            ("evidence, whole library", evidence_ms),
            ("evidence, one document (filtered)", scoped_ms),
        ):
            print(f"{name:40} p50 {percentile(values, 0.5):7.1f} ms  "
                  f"p95 {percentile(values, 0.95):7.1f} ms")  # fmt: skip
        total = [a + b for a, b in zip(embed_ms, evidence_ms, strict=True)]
        print(f"{'query total (embed + evidence, library)':40} p50 {percentile(total, 0.5):7.1f} ms"
              f"  p95 {percentile(total, 0.95):7.1f} ms")  # fmt: skip
        store.close()  # type: ignore[attr-defined]
        catalogue.close()  # type: ignore[attr-defined]


def bench_assembly(target_tokens: int = 128_000) -> None:
    from model_runtime.registry import starter_model
    from model_runtime.token_counter import VocabCounter
    from retrieval.assembler import ContextAssembler, ContextMode
    from retrieval.types import Evidence

    entry = starter_model()
    if entry is None:
        print("assembly: skipped (starter model not installed)")
        return
    counter = VocabCounter(entry.path)  # the tokenizer only, not the weights
    rng = random.Random(3)
    words = [
        "revenue",
        "cash",
        "flow",
        "operating",
        "income",
        "net",
        "sales",
        "segment",
        "margin",
        "debt",
        "equity",
    ]
    pages: list[Evidence] = []
    tokens = 0
    while tokens < target_tokens:
        text = " ".join(rng.choice(words) + f" {rng.randint(1, 9999):,}" for _ in range(250))
        pages.append(Evidence("doc", "SYNTH_2024_10K", len(pages), len(pages), text))
        tokens += counter.count_tokens(text)
    context = tokens + 4096
    for label in ("cold", "warm"):
        if label == "cold":
            assembler = ContextAssembler(counter, context, answer_tokens=1024)
        started = time.perf_counter()
        prompt = assembler.assemble("What was net sales?", [], pages, ContextMode.WHOLE)
        elapsed = time.perf_counter() - started
        print(f"assembly {label}: {len(pages)} pages, {prompt.report.prompt_tokens} prompt tokens"
              f" in {elapsed * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {platform.machine()}, {cpus} CPUs visible, torch threads {args.threads}")
    bench_queries(args.chunks, args.queries)
    bench_assembly()


if __name__ == "__main__":
    main()
