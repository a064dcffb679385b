"""`ingest`, `docs list|rm` and `reindex`: adding, listing, removing and re-indexing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import JsonFlag, err, open_workspace
from app.errors import ExitCode
from app.plain_text import printable


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="PDF, .txt or .md files, or folders.")],
    as_json: JsonFlag = False,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Parsing processes (default: cores).")
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar on stderr (default: on a TTY)."
        ),
    ] = None,
    retry_rejected: Annotated[
        bool,
        typer.Option(
            "--retry-rejected",
            help="Parse again files rejected before (e.g. after changing a setting).",
        ),
    ] = False,
) -> None:
    """Add files to the library: pages are read (sandboxed), chunked, embedded and indexed.

    Unchanged files already in the library are skipped; a changed file replaces its old
    version; unreadable ones are listed as rejected and the rest go on. A file rejected
    before stays rejected (without being read again) unless the time or memory limit that
    rejected it has changed since, or --retry-rejected is given.
    """
    from app.commands.progress import ProgressBar, progress_wanted
    from app.services.ingest import ingest as run_ingest

    workspace = open_workspace()
    try:
        bar = ProgressBar() if progress_wanted(progress) else None
        report = run_ingest(
            workspace, paths, progress=bar, workers=workers, retry_rejected=retry_rejected
        )
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for item in report.ingested:
            period = " ".join(str(item[k]) for k in ("form_type", "fiscal_period") if item[k])
            print(
                f"ingested  {printable(item['name'])}  ({item['pages']} pages, "
                f"{item['chunks']} chunks" + (f"; {printable(period)}" if period else "") + ")"
            )
        for item in report.skipped:
            print(f"skipped   {printable(item['path'])}  ({printable(item['reason'])})")
        for item in report.rejected:
            print(f"rejected  {printable(item['path'])}  ({printable(item['reason'])})")
        rate = report.pages / report.seconds if report.seconds else 0.0
        print(
            f"{len(report.ingested)} ingested, {len(report.skipped)} skipped, "
            f"{len(report.rejected)} rejected; {report.pages} pages in {report.seconds:.1f} s "
            f"({rate:.1f} pages/s)"
        )
    for item in report.ingested:
        for warning in item.get("warnings") or []:  # type: ignore[attr-defined]
            err(f"archivist: warning: {printable(item['name'])}: {printable(warning)}")
    for item in report.rejected:
        err(f"archivist: rejected: {printable(item['reason'])}")
    if report.rejected:
        done = report.ingested or report.skipped
        raise typer.Exit(ExitCode.FAILURE if done else ExitCode.INPUT)


def docs_list(as_json: JsonFlag = False) -> None:
    """List documents with their status, metadata, pages and chunks."""
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
        meta = (
            " ".join(p for p in (d.meta.company, d.meta.form_type, d.meta.fiscal_period) if p)
            or "-"
        )
        line = f"{d.id[:12]}\t{printable(d.name)}\t{d.status}\t{printable(meta)}\t"
        line += f"{d.page_count} pages\t{d.chunk_count} chunks"
        print(line + (f"\t{printable(d.reason)}" if d.reason else ""))


def docs_rm(
    key: Annotated[str, typer.Argument(help="Document id (or 8+ char prefix), name or path.")],
    as_json: JsonFlag = False,
) -> None:
    """Remove a document everywhere: its points, chunks, pages and catalogue row."""
    from app.services.library import remove

    workspace = open_workspace()
    try:
        removed = remove(workspace, key)
    finally:
        workspace.close()
    if as_json:
        print(json.dumps({"removed": removed.as_dict()}, indent=2))
    else:
        print(f"removed   {printable(removed.name)}  ({removed.id[:12]})")


def reindex(as_json: JsonFlag = False) -> None:
    """Rebuild the vector index from the catalogue alone (no files are read)."""
    from app.commands.progress import progress_wanted
    from app.services.library import reindex as run_reindex

    def show(number: int, total: int, name: str) -> None:
        err(f"[{number}/{total}] {name}")

    workspace = open_workspace()
    try:
        result = run_reindex(workspace, progress=show if progress_wanted(None) else None)
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print(f"reindexed {result['documents']} documents ({result['points']} points)")
