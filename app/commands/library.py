"""`ingest` and `docs`: adding documents to the library and listing them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import JsonFlag, err, open_workspace
from app.errors import ExitCode


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="PDF, .txt or .md files, or folders.")],
    as_json: JsonFlag = False,
) -> None:
    """Add files to the library: pages are read, chunked, embedded and indexed.

    Unchanged files already in the library are skipped; unreadable ones are listed as
    rejected and the rest go on.
    """
    from app.services.ingest import ingest as run_ingest

    workspace = open_workspace()
    try:
        show_progress = sys.stderr.isatty() and not as_json
        report = run_ingest(workspace, paths, progress=err if show_progress else None)
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for item in report.ingested:
            print(f"ingested  {item['name']}  ({item['pages']} pages, {item['chunks']} chunks)")
        for item in report.skipped:
            print(f"skipped   {item['path']}  ({item['reason']})")
    for item in report.rejected:
        err(f"archivist: rejected: {item['reason']}")
    if report.rejected:
        done = report.ingested or report.skipped
        raise typer.Exit(ExitCode.FAILURE if done else ExitCode.INPUT)


def docs_list(as_json: JsonFlag = False) -> None:
    """List documents with their status, pages and chunks."""
    workspace = open_workspace()
    try:
        documents = workspace.catalogue.documents()
    finally:
        workspace.close()
    if as_json:
        print(json.dumps([d.as_dict() for d in documents], indent=2))
        return
    if not documents:
        err("the library is empty: archivist ingest PATH")
        return
    for d in documents:
        print(f"{d.name}\t{d.status}\t{d.page_count} pages\t{d.chunk_count} chunks")
