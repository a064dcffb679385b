"""The `archivist` command. stdout is data; progress and errors go to stderr."""

from __future__ import annotations

import sys

import click
import typer

from app.commands import (
    ask,
    bundle,
    config,
    doctor,
    eval,
    figures,
    library,
    models,
    setup,
    summarize,
)
from app.commands.common import err, open_workspace
from app.errors import ExitCode, exit_code_for, user_message
from app.plain_text import printable
from retrieval.process_lock import Holder

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
bundle_cli = typer.Typer(help="Offline bundles for air-gapped installs.", no_args_is_help=True)
cli.add_typer(bundle_cli, name="bundle")
models_cli = typer.Typer(help="GGUF models: list, import, verify, use, info.", no_args_is_help=True)
cli.add_typer(models_cli, name="models")
eval_cli = typer.Typer(help="Measure retrieval and answers on question sets.", no_args_is_help=True)
cli.add_typer(eval_cli, name="eval")

cli.command("ingest")(library.ingest)
docs_cli.command("list")(library.docs_list)
docs_cli.command("rm")(library.docs_rm)
cli.command("reindex")(library.reindex)
cli.command("ask")(ask.ask)
cli.command("summarize")(summarize.summarize)
cli.command("figures")(figures.figures)
config_cli.command("show")(config.config_show)
bundle_cli.command("create")(bundle.bundle_create)
models_cli.command("list")(models.models_list)
models_cli.command("import")(models.models_import)
models_cli.command("verify")(models.models_verify)
models_cli.command("use")(models.models_use)
models_cli.command("info")(models.models_info)
cli.command("doctor")(doctor.doctor)
cli.command("setup")(setup.setup)
eval_cli.command("retrieval")(eval.retrieval)
eval_cli.command("answers")(eval.answers)


@cli.callback(invoke_without_command=True)
def root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is not None:  # a command says on stderr whom it waits for
        from retrieval.process_lock import set_waiting_notice

        set_waiting_notice(say_waiting)
    else:
        if not on_a_terminal():
            err(
                "archivist: the terminal UI needs a terminal; use the CLI commands "
                "(see: archivist --help)"
            )
            raise typer.Exit(ExitCode.USAGE)
        from tui.main_app import run_tui

        workspace = open_workspace()
        try:
            run_tui(workspace)
        finally:
            workspace.close()


def on_a_terminal() -> bool:
    """Whether stdin and stdout are a terminal: with stdin closed the UI crashed, and with
    stdout a pipe it drew escape sequences into it and never returned."""
    streams = (sys.stdin, sys.stdout)
    try:
        return all(stream is not None and stream.isatty() for stream in streams)
    except (OSError, ValueError):  # a closed stream
        return False


def say_waiting(holder: Holder | None, waited: float) -> None:
    who = holder.describe() if holder else "another process"
    err(f"archivist: waiting for {printable(who)} ({waited:.0f} s so far)")


def main() -> None:
    command = typer.main.get_command(cli)
    try:
        code = command.main(prog_name="archivist", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except (click.exceptions.Exit, typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        err("archivist: interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the edge where every error becomes one line
        usage = usage_message(exc)
        if usage is not None:
            err(f"archivist: {printable(usage)}")
            sys.exit(ExitCode.USAGE)
        err(f"archivist: error: {printable(user_message(exc))}")
        sys.exit(exit_code_for(exc))
    except KeyboardInterrupt as exc:
        err("archivist: interrupted")
        sys.exit(exit_code_for(exc))


def usage_message(exc: Exception) -> str | None:
    """One line for a command-line mistake, from click or from the click that typer vendors.

    Typer raises its own copies of click's exceptions (`NoSuchOption`, `MissingParameter`,
    `NoArgsIsHelpError`, ...) which are not subclasses of click's, so they are told apart by
    their class names; every one of them is a usage error, exit code 2.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "ClickException" not in names:
        return None
    context = getattr(exc, "ctx", None)
    if "NoArgsIsHelpError" in names and context is not None:
        group = context.command
        commands = group.list_commands(context) if hasattr(group, "list_commands") else []
        path = context.command_path
        return f"{path} needs a command: {', '.join(commands)} (see: {path} --help)"
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    return " ".join(str(message).split())
