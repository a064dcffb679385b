"""The `archivist` command. stdout is data; progress and errors go to stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from app.errors import ExitCode, exit_code_for, user_message
from app.settings import load_settings, setting_sources
from app.workspace import Workspace

cli = typer.Typer(
    name="archivist",
    help="Ask cited questions of long reports with a local model. No network, ever.\n\n"
    "Run with no command to open the terminal UI.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
docs_cli = typer.Typer(help="The documents in the library.", no_args_is_help=True)
config_cli = typer.Typer(help="Settings and where each comes from.", no_args_is_help=True)
cli.add_typer(docs_cli, name="docs")
cli.add_typer(config_cli, name="config")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _workspace() -> Workspace:
    return Workspace(load_settings())


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@cli.callback(invoke_without_command=True)
def root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        from tui.main_app import run_tui

        workspace = _workspace()
        try:
            run_tui(workspace)
        finally:
            workspace.close()


@cli.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="PDF, .txt or .md files, or folders.")],
    as_json: JsonFlag = False,
) -> None:
    """Add files to the library: pages are read, chunked, embedded and indexed.

    Unchanged files already in the library are skipped; unreadable ones are listed as
    rejected and the rest go on.
    """
    from app.services.ingest import ingest as run_ingest

    workspace = _workspace()
    try:
        show_progress = sys.stderr.isatty() and not as_json
        report = run_ingest(workspace, paths, progress=_err if show_progress else None)
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
        _err(f"archivist: rejected: {item['reason']}")
    if report.rejected:
        done = report.ingested or report.skipped
        raise typer.Exit(ExitCode.FAILURE if done else ExitCode.INPUT)


@docs_cli.command("list")
def docs_list(as_json: JsonFlag = False) -> None:
    """List documents with their status, pages and chunks."""
    workspace = _workspace()
    try:
        documents = workspace.catalogue.documents()
    finally:
        workspace.close()
    if as_json:
        print(json.dumps([d.as_dict() for d in documents], indent=2))
        return
    if not documents:
        _err("the library is empty: archivist ingest PATH")
        return
    for d in documents:
        print(f"{d.name}\t{d.status}\t{d.page_count} pages\t{d.chunk_count} chunks")


@cli.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    mode: Annotated[
        str, typer.Option(help="thinking (reason first) or fast (answer at once).")
    ] = "fast",
    seed: Annotated[int | None, typer.Option(help="Sampling seed, for repeatable answers.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer a question from the library, citing the page behind each claim."""
    from app.services.ask import Answer, Retrieved
    from app.services.ask import ask as run_ask
    from app.streaming import CitationRewriter
    from model_runtime.engine import Mode
    from model_runtime.events import AnswerDelta, ReasoningDelta

    try:
        chosen = Mode(mode)
    except ValueError:
        raise click.UsageError(f"--mode must be thinking or fast, not '{mode}'") from None
    workspace = _workspace()
    answer: Answer | None = None
    rewriter: CitationRewriter | None = None
    try:
        for event in run_ask(workspace, question, chosen, seed=seed):
            if isinstance(event, Answer):
                answer = event
            elif isinstance(event, Retrieved):
                rewriter = CitationRewriter(event.sources)
            elif as_json:
                continue
            elif isinstance(event, AnswerDelta) and rewriter is not None:
                print(rewriter.feed(event.text), end="", flush=True)
            elif isinstance(event, ReasoningDelta):
                sys.stderr.write(event.text)
    finally:
        workspace.close()
    assert answer is not None
    if as_json:
        print(json.dumps(answer.as_dict(), indent=2))
        return
    print(rewriter.finish() if rewriter else "")
    print("\nSources:")
    for citation in answer.citations:
        source = citation.source
        mark = "" if citation.cited_by_model else " (retrieved; not cited by the model)"
        print(f"  [{source.label}]{mark}")


@config_cli.command("show")
def config_show(as_json: JsonFlag = False) -> None:
    """Print the effective settings and where each comes from (default, file, env)."""
    sources = setting_sources(load_settings())
    if as_json:
        data = {
            k: {"value": str(v) if v is not None else None, "source": s}
            for k, (v, s) in sources.items()
        }
        print(json.dumps(data, indent=2))
        return
    for name, (value, source) in sources.items():
        print(f"{name} = {value!s}  ({source})")


def main() -> None:
    command = typer.main.get_command(cli)
    try:
        code = command.main(prog_name="archivist", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _err(f"archivist: {exc.format_message()}")
        sys.exit(ExitCode.USAGE)
    except click.exceptions.Abort:
        _err("archivist: interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the edge where every error becomes one line
        _err(f"archivist: error: {user_message(exc)}")
        sys.exit(exit_code_for(exc))
    except KeyboardInterrupt as exc:
        _err("archivist: interrupted")
        sys.exit(exit_code_for(exc))
