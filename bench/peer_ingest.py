"""The peer pipeline `bench/ingest.py` races: pypdf text, 1,024-character chunks (30 of
overlap), torch MiniLM vectors kept in memory -- what the FinanceBench paper's baseline
does (`retrieval/baseline.py`, `eval retrieval --baseline`), one file after another.

    .venv/bin/python bench/peer_ingest.py FILE... [--threads N]

Prints one JSON object: pages, chunks, seconds from the first file to the last vector
(model load excluded), seconds from process start until the first file is fully
embedded (its first answer could come then: the peer has no keyword phase), peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    import logging

    import numpy as np

    from ingestion.embedder import SentenceTransformerEmbedder
    from ingestion.readers import read_pdf_pypdf
    from retrieval.baseline import char_chunks

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    embedder = SentenceTransformerEmbedder(None, batch_size=32)
    loaded = time.perf_counter()
    pages = chunks = 0
    first_ready = 0.0
    vectors: list[np.ndarray] = []
    for path in args.files:
        raw = read_pdf_pypdf(path)
        texts = [c[0] for c in char_chunks({p.index: p.text for p in raw})]
        vectors.append(np.asarray(embedder.embed(texts), dtype=np.float32))
        pages += len(raw)
        chunks += len(texts)
        first_ready = first_ready or time.perf_counter() - STARTED
    seconds = time.perf_counter() - loaded
    print(
        json.dumps(
            {
                "pages": pages,
                "chunks": chunks,
                "seconds": round(seconds, 1),
                "pages_per_s": round(pages / seconds, 2),
                "first_file_askable_s": round(first_ready, 1),
                "model_load_s": round(loaded - STARTED, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
