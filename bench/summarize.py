"""Summarization benchmark: seconds per 100 pages and tokens/s for each strategy.

    .venv/bin/python bench/summarize.py [--doc ULTABEAUTY_2023Q4_EARNINGS] [--tokens 128]

Uses a dev-set filing from ../shared/data/financebench-dev and the starter model, in a
fresh temporary workspace. Single-pass runs with a context large enough for the whole
filing; map-reduce with a 2,048-token context, which forces page windows.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "financebench-dev" / "pdfs"


def run(doc: Path, context: int, tokens: int) -> dict[str, object]:
    from app.services.ingest import ingest
    from app.services.summary_batch import summarize_batch
    from app.settings import load_settings
    from app.workspace import Workspace
    from model_runtime.engine import Mode

    with tempfile.TemporaryDirectory() as home:
        os.environ["ARCHIVIST_HOME"] = home
        os.environ["ARCHIVIST_CONTEXT_LENGTH"] = str(context)
        os.environ["ARCHIVIST_MAX_ANSWER_TOKENS"] = str(tokens)
        workspace = Workspace(load_settings())
        ingest(workspace, [doc])
        [document] = workspace.catalogue.documents()
        [result] = summarize_batch(workspace, [document], Mode.FAST, Path(home) / "out")
        workspace.close()
    record = result.record.as_dict()
    seconds = float(record["seconds"])
    return {
        "strategy": record["strategy"],
        "context": context,
        "pages": document.page_count,
        "steps": record["generated_steps"],
        "seconds": seconds,
        "seconds_per_100_pages": round(seconds / document.page_count * 100, 1),
        "prompt_tokens": record["prompt_tokens"],
        "completion_tokens": record["completion_tokens"],
        "completion_tokens_per_s": record["tokens_per_s"],
        "all_tokens_per_s": round(
            (int(record["prompt_tokens"]) + int(record["completion_tokens"])) / seconds,
            1,  # type: ignore[call-overload]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", default="ULTABEAUTY_2023Q4_EARNINGS")
    parser.add_argument("--tokens", type=int, default=128, help="answer tokens per step")
    args = parser.parse_args()
    doc = DATA / f"{args.doc}.pdf"
    if not doc.is_file():
        sys.exit(f"bench needs the FinanceBench sample at {DATA}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for context in (8192, 2048):
        print(run(doc, context, args.tokens), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
