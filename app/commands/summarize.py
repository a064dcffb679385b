"""`summarize`: cited whole-document summaries for one report or the whole library."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import click
import typer

from app.commands.common import err, open_workspace
from app.errors import ExitCode


def summarize(
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="Document names (see `docs list`) or files/folders to ingest first."),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every ready document.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Folder for NAME.summary.md/.json; default: workspace.")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="md (files + list), json (one array), jsonl (a record per line as each finishes).",
        ),
    ] = "md",
    mode: Annotated[str, typer.Option(help="thinking or fast.")] = "fast",
    force: Annotated[bool, typer.Option(help="Redo documents already summarised.")] = False,
    model: Annotated[str | None, typer.Option(help="GGUF model to use for this run.")] = None,
) -> None:
    """Summarise documents with page citations, in one pass when a document fits the model's
    context, else map-reduce. Resumable: run the same command again after an interruption.
    Exit codes: 0 all done, 1 some failed (each listed), 2 usage error."""
    from app.services.summary_batch import resolve_targets, summarize_batch
    from model_runtime.engine import Mode

    if fmt not in ("md", "json", "jsonl"):
        raise click.UsageError(f"--format must be md, json or jsonl, not '{fmt}'")
    try:
        chosen_mode = Mode(mode)
    except ValueError:
        raise click.UsageError(f"--mode must be thinking or fast, not '{mode}'") from None
    if every and targets:
        raise click.UsageError("give document names or --all, not both")
    workspace = open_workspace(model=model) if model else open_workspace()
    out_dir = out or workspace.home / "summaries"
    started = time.perf_counter()
    failed: list[str] = []
    records = []
    try:
        documents = resolve_targets(workspace, list(targets or []), every)
        show = sys.stderr.isatty() or fmt != "jsonl"

        def doc_progress(document: object, number: int, total: int) -> None:
            if show:
                name = getattr(document, "name", "")
                elapsed = time.perf_counter() - started
                eta = elapsed / (number - 1) * (total - number + 1) if number > 1 else 0
                eta_text = f", ETA {eta:.0f} s" if eta else ""
                err(f"[{number}/{total}] {name}{eta_text}")

        def step_progress(step: str, done: int, total: int, speed: float, _text: str) -> None:
            if show:
                err(f"    {step}: step {done}/{total}, {speed:.1f} tokens/s")

        for result in summarize_batch(
            workspace, documents, chosen_mode, out_dir, force, doc_progress, step_progress
        ):
            records.append(result.record.as_dict())
            if result.status == "failed":
                failed.append(f"{result.document}: {result.reason}")
            if fmt == "jsonl":
                print(json.dumps(result.record.as_dict()), flush=True)
            elif fmt == "md":
                where = ", ".join(result.files) if result.files else result.reason
                print(f"{result.status:8} {result.document}  {where}")
    finally:
        workspace.close()
    if fmt == "json":
        print(json.dumps(records, indent=2))
    for line in failed:
        err(f"archivist: failed: {line}")
    if failed:
        raise typer.Exit(ExitCode.FAILURE)
