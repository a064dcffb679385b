"""`ask`: a cited answer from the library, streamed."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer

from app.commands.common import JsonFlag, err, open_workspace
from app.plain_text import escape_invisible, printable, require_utf8

if TYPE_CHECKING:
    from app.services.answer import Answer


def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    mode: Annotated[
        str, typer.Option(help="thinking (reason first) or fast (answer at once).")
    ] = "fast",
    context: Annotated[
        str | None,
        typer.Option(help="whole documents, ranked evidence, or auto (default: the setting)."),
    ] = None,
    doc: Annotated[
        list[str] | None,
        typer.Option("--doc", help="Search only this document (by name); repeatable."),
    ] = None,
    show_context: Annotated[
        bool,
        typer.Option(
            "--show-context",
            help="Print what the prompt holds: tokens per part, sources "
            "included, sources omitted and why.",
        ),
    ] = False,
    seed: Annotated[int | None, typer.Option(help="Sampling seed, for repeatable answers.")] = None,
    json_schema: Annotated[
        Path | None,
        typer.Option("--json-schema", help="Answer as JSON matching this JSON-schema file."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer a question from the library, citing the page behind each claim."""
    from app.services.answer import Answer
    from app.services.ask import Retrieved
    from app.services.ask import ask as run_ask
    from model_runtime.engine import Mode
    from model_runtime.events import AnswerDelta, ReasoningDelta
    from retrieval.assembler import ContextMode
    from retrieval.citations import CitationRewriter

    question = require_utf8(question, "the question")
    doc = [require_utf8(name, "--doc") for name in doc] if doc else doc
    try:
        chosen = Mode(mode)
    except ValueError:
        raise click.UsageError(f"--mode must be thinking or fast, not '{mode}'") from None
    schema = read_schema(json_schema) if json_schema is not None else None
    try:
        context_mode = ContextMode(context) if context else None
    except ValueError:
        raise click.UsageError(
            f"--context must be whole, evidence or auto, not '{context}'"
        ) from None
    workspace = open_workspace()
    built = workspace.index_recipe()
    if built not in (None, workspace.vectors_recipe):
        err(
            f"archivist: warning: the index was built with '{built}', questions are embedded "
            f"with '{workspace.vectors_recipe}'; search is degraded until `archivist reindex`"
        )
    answer: Answer | None = None
    rewriter: CitationRewriter | None = None
    try:
        events = run_ask(
            workspace,
            question,
            chosen,
            doc,
            seed=seed,
            context_mode=context_mode,
            json_schema=schema,
        )
        for event in events:
            if isinstance(event, Answer):
                answer = event
            elif isinstance(event, Retrieved):
                rewriter = CitationRewriter(event.sources)
                if show_context and not as_json:
                    window = workspace.context_choice
                    lines = ([window.describe()] if window else []) + event.report.lines()
                    print("\n".join(lines) + "\n", flush=True)
            elif as_json:
                continue
            elif isinstance(event, AnswerDelta) and rewriter is not None:
                # Model text: a document could steer it to write terminal sequences.
                print(escape_invisible(rewriter.feed(event.text)), end="", flush=True)
            elif isinstance(event, ReasoningDelta):
                sys.stderr.write(escape_invisible(event.text))
    finally:
        workspace.close()
    assert answer is not None
    usage = answer.usage
    window = workspace.context_choice
    if window is not None and window.slow_note():  # speed shapes the context, never refuses
        sys.stderr.write(
            f"\nnote: context {window.context_length:,} tokens: {window.slow_note()}\n"
        )
    if usage is not None and usage.note:
        sys.stderr.write(f"\nnote: {usage.note}\n")
    if usage is not None and usage.incomplete and usage.stop_reason != "stop":
        sys.stderr.write(f"\nnote: the answer is incomplete (stopped: {usage.stop_reason})\n")
    warning = answer.check.warning()
    if as_json:
        data = answer.as_dict()
        if not show_context:
            data.pop("context")
        elif isinstance(data["context"], dict) and window is not None:
            data["context"]["window"] = window.as_dict()
        if window is not None and window.limit != "setting":
            data["window"] = window.as_dict()  # the automatic context, its limit and est. TTFT
        print(json.dumps(data, indent=2))
    else:
        print(escape_invisible(rewriter.finish()) if rewriter else "")
        print("\nSources:")
        for citation in answer.citations:
            source = citation.source
            mark = "" if citation.cited_by_model else " (given; not cited by the model)"
            print(f"  [{printable(source.label)}]{mark}")
        if answer.second_opinion:
            print("\nSecond opinion (key figures table):")
            for opinion in answer.second_opinion:
                flag = "! " if opinion.verdict == "differs" else ""
                print(f"  {flag}{printable(opinion.describe())}")
    if warning:
        err(f"archivist: warning: {printable(warning)}")
    for line in unverified_lines(answer):
        err(f"archivist: {line}")
    for opinion in answer.second_opinion:
        if opinion.verdict == "differs":
            err(f"archivist: second opinion differs: {printable(opinion.describe())}")
    for calc in answer.calculations:
        if not calc.verified:
            why = calc.status.describe()
            if calc.status.value == "miscalculated":
                why += f"; recomputed: {calc.right}"
            err(f"archivist: {calc.status.value} calculation: {printable(calc.text)} ({why})")


def read_schema(path: Path) -> dict[str, object]:
    from app.errors import InputError
    from ingestion.bounded_read import read_text_bounded
    from model_runtime.schema_guard import MAX_SCHEMA_FILE_BYTES, check_schema

    try:
        schema = json.loads(read_text_bounded(path, MAX_SCHEMA_FILE_BYTES))
    except OSError as exc:
        raise InputError(f"cannot read the JSON schema {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise InputError(f"the JSON schema {path} nests too deeply") from exc
    if not isinstance(schema, dict):
        raise InputError(f"{path} is not a JSON schema (expected an object)")
    check_schema(schema)  # refused with exit code 3 before any model loads
    return schema


def unverified_lines(answer: Answer) -> list[str]:
    """One line per distinct unverified figure, counted: a small model repeating "$12
    million" five times gets one warning, not five (`--json` lists every occurrence)."""
    unverified = Counter(
        f"unverified {f.kind}: {printable(f.text)} ({f.status.describe()})"
        for f in answer.figures
        if not f.verified
    )
    return [line + (f" ({n} times)" if n > 1 else "") for line, n in unverified.items()]
