"""`eval retrieval`: evidence-page hit@k and MRR on FinanceBench-format questions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from app.commands.common import JsonFlag, err, open_workspace

DocsOption = Annotated[
    Path | None,
    typer.Option(
        help="Folder of the filings; missing ones are ingested. Default: pdfs/ "
        "next to the questions file, when there is one."
    ),
]


def parse_ks(text: str) -> list[int]:
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise click.UsageError(f"--k must be numbers like 1,5,10, not '{text}'") from None
    if not ks or ks[0] < 1:
        raise click.UsageError(f"--k must be positive numbers like 1,5,10, not '{text}'")
    return ks


def retrieval(
    questions: Annotated[Path, typer.Argument(help="FinanceBench-format questions (JSONL).")],
    k: Annotated[str, typer.Option("--k", help="Cut-offs for hit@k, comma-separated.")] = "1,5,10",
    scope: Annotated[
        str,
        typer.Option(help="document: search the question's document; library: everything."),
    ] = "document",
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Also run the paper-style baseline, same process.")
    ] = False,
    docs: DocsOption = None,
    method: Annotated[
        str | None,
        typer.Option(help="dense, hybrid or bm25 ranking. Default: the search_method setting."),
    ] = None,
    statements: Annotated[
        bool | None,
        typer.Option(
            "--statements/--no-statements",
            help="Put the financial statement a question needs first. Default: the "
            "statements_first setting.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Evidence-page hit@k, MRR and per-question misses of retrieval on FinanceBench questions.

    Compare choices on your own questions: --method hybrid, --no-statements, --baseline.
    """
    from app.services.evaluate import EvalScope, evaluate_retrieval
    from retrieval.search import Method, SearchConfig

    ks = parse_ks(k)
    try:
        chosen = EvalScope(scope)
    except ValueError:
        raise click.UsageError(f"--scope must be document or library, not '{scope}'") from None
    if method is not None and method not in set(Method):
        raise click.UsageError(f"--method must be dense, hybrid or bm25, not '{method}'")
    workspace = open_workspace()
    try:
        settings = workspace.settings
        config = SearchConfig.from_settings(
            method or settings.search_method,
            settings.statements_first if statements is None else statements,
        )
        progress = err if sys.stderr.isatty() and not as_json else None
        result = evaluate_retrieval(
            workspace, questions, ks, chosen, baseline, docs, config, progress=progress
        )
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
        return
    header = "pipeline   scope     n   " + "  ".join(f"hit@{x:<3}" for x in ks) + "  MRR"
    print(header)
    for s in result.summaries:
        cells = "  ".join(f"{s.hit_at[x]:<7.3f}" for x in ks)
        print(f"{s.name:<10} {s.scope:<8} {len(s.results):<3} {cells}  {s.mrr:.3f}")
    ratio = result.ratio()
    if ratio:
        print("ratio to baseline: " + ", ".join(f"hit@{x} {v}x" for x, v in ratio.items()))
    ours = result.summaries[0]
    worst = max(ks)
    print(f"\nmisses at {worst} ({ours.name}):")
    for miss in ours.misses(worst):
        gold = ",".join(str(p + 1) for p in miss.gold_pages)
        print(f"  {miss.id}  {miss.doc_name}  gold p.{gold}  top units' pages {miss.top_pages[:5]}")


def answers(
    questions: Annotated[Path, typer.Argument(help="FinanceBench-format questions (JSONL).")],
    docs: DocsOption = None,
    scope: Annotated[
        str,
        typer.Option(help="document: ask about the question's document; library: everything."),
    ] = "document",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    context_length: Annotated[
        int | None,
        typer.Option(
            "--context-length",
            "--budget",
            min=512,
            help="Evaluate at this context size (default: the context the model runs with).",
        ),
    ] = None,
    generate: Annotated[
        bool,
        typer.Option(
            "--generate/--no-generate",
            help="--no-generate: only what the model would read (context recall, tokens).",
        ),
    ] = True,
    mode: Annotated[str, typer.Option(help="thinking or fast.")] = "fast",
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over instead of going on from the last run.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run the real ask path on FinanceBench questions: context recall, prompt tokens and
    sources; with generation also correctness of numeric answers, citation precision,
    unverified figures, each answer's verdict and calculations, refusals, time to first
    token and tokens/s. A killed run started again with the same arguments goes on where
    it stopped."""
    from app.services.answer_eval import evaluate_answers
    from app.services.evaluate import EvalScope
    from model_runtime.engine import Mode

    try:
        chosen = EvalScope(scope)
    except ValueError:
        raise click.UsageError(f"--scope must be document or library, not '{scope}'") from None
    try:
        chosen_mode = Mode(mode)
    except ValueError:
        raise click.UsageError(f"--mode must be thinking or fast, not '{mode}'") from None
    workspace = open_workspace()
    if context_length is not None:
        # Generation runs the model at that context; without it, only its tokenizer is used.
        engine_context = context_length if generate else min(context_length, 2048)
        workspace.settings = workspace.settings.model_copy(
            update={"context_length": engine_context}
        )
    try:
        progress = err if sys.stderr.isatty() and not as_json else None
        result = evaluate_answers(
            workspace,
            questions,
            chosen,
            docs,
            limit,
            context_length,
            generate,
            chosen_mode,
            fresh,
            progress,
        )
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
        return
    totals = result.totals()
    for item in result.results:
        gold = ",".join(str(p) for p in item.gold_pages)
        line = (
            f"{item.id}  {item.document}  gold p.{gold}  "
            f"{'in prompt' if item.context_recall else 'NOT in prompt'}  "
            f"{item.prompt_tokens} tokens, {item.sources} sources"
        )
        if item.error:
            line += f"  error: {item.error}"
        if result.generate and not item.error:
            correct = {True: "correct", False: "wrong", None: "not numeric"}[item.correct]
            line += f"  {correct}; cited {item.cited}"
            if item.unverified_figures:
                line += f"; unverified {', '.join(item.unverified_figures)}"
            if item.verdict:
                line += f"; figures {item.verdict}"
            for calc in item.calculations:
                right = (
                    f" (recomputed {calc['recomputed']})"
                    if calc["status"] == "miscalculated"
                    else ""
                )
                line += f"; calculation {calc['status']}: {calc['text']}{right}"
            if item.refused:
                line += "; refused"
        print(line)
    print()
    for name, value in totals.items():
        print(f"{name}: {value}")
    if result.resumed:
        err(f"archivist: {result.resumed} question(s) taken from {result.results_file}")
