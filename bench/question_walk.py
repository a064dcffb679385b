"""The walk of a question: which of our files it passes through, and how often it comes back.

Issue 21 counted a question's path with a static tool (`walk app/services/ask.py:ask:question`:
19 stays in 9 files, 10 returns). That tool is not on this machine, so this measures the
same idea as it runs: every call into our packages that receives the question (an argument
equal to it) while one `ask` answers, in call order. A *stay* is a run of such calls in one
file; a *return* is a stay in a file the walk had already left. The library is two small
generated filings and the model a scripted `FakeEngine`, so the walk is the product's own.

    .venv/bin/python bench/question_walk.py [--mode auto|evidence|whole] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PACKAGES = ("app", "retrieval", "ingestion", "model_runtime")
QUESTION = "What were Northwind's capital expenditures in fiscal 2023?"


def walk(mode: str) -> list[tuple[str, str]]:
    """(file, function) of each call that received the question, in order."""
    from app.services.ask import ask
    from app.services.ingest import ingest
    from app.settings import load_settings
    from app.workspace import Workspace
    from model_runtime.engine import Mode
    from retrieval.assembler import ContextMode
    from tests.conftest import REPORT_PAGES, answering_with, make_pdf
    from tests.fake_engine import FakeEngine, Reply

    folder = Path(tempfile.mkdtemp(prefix="archivist-walk-"))
    os.environ["ARCHIVIST_HOME"] = str(folder / "home")
    os.environ.setdefault("ARCHIVIST_CONTEXT_LENGTH", "4096")
    os.environ.setdefault("ARCHIVIST_THREADS", "1")
    workspace = Workspace(load_settings())
    report = make_pdf(folder / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
    other = make_pdf(folder / "ACME_2023_10K.pdf", ["Acme sells anvils.", "Anvil revenue rose."])
    ingest(workspace, [report, other])
    fake = FakeEngine([Reply("Capex was 412 million dollars [S1].")], context_length=4096)
    answering = answering_with(workspace, fake)

    calls: list[tuple[str, str]] = []
    entered: list[FrameType] = []  # a generator resumed is not a new call (kept alive: ids)

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or any(frame is f for f in entered):
            return
        entered.append(frame)
        path = Path(frame.f_code.co_filename)
        try:
            relative = path.relative_to(ROOT)
        except ValueError:
            return
        if relative.parts[0] not in PACKAGES:
            return
        code = frame.f_code
        arguments = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        if any(_holds(frame.f_locals.get(name)) for name in arguments):
            calls.append((str(relative), code.co_name))

    sys.setprofile(profile)
    try:
        for _ in ask(answering, QUESTION, Mode.FAST, None, None, ContextMode(mode)):
            pass
    finally:
        sys.setprofile(None)
        workspace.close()
    return calls


def _holds(value: object) -> bool:
    """The question, or a record carrying it (an `Answer`'s `question`, a read `Question`'s
    `text`)."""
    return value == QUESTION or any(_field(value, name) == QUESTION for name in FIELDS)


FIELDS = ("question", "text")


def _field(value: object, name: str) -> object:
    try:
        return getattr(value, name, None)
    except Exception:  # noqa: BLE001 - a property that fails is not the question
        return None


def stays(calls: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    runs: list[tuple[str, list[str]]] = []
    for file, function in calls:
        if runs and runs[-1][0] == file:
            runs[-1][1].append(function)
        else:
            runs.append((file, [function]))
    return runs


def first_calls(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each function at its first call only: a loop over units calling the same pair of
    functions is one step of the path, as a reading of the code sees it."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for call in calls:
        if call not in seen:
            seen.add(call)
            kept.append(call)
    return kept


def summary(runs: list[tuple[str, list[str]]]) -> dict[str, Any]:
    seen: set[str] = set()
    returns = 0
    for file, _ in runs:
        returns += file in seen
        seen.add(file)
    return {
        "stays": len(runs),
        "files": len(seen),
        "returns": returns,
        "walk": [{"file": f, "calls": c} for f, c in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="auto", choices=["auto", "evidence", "whole"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    calls = walk(args.mode)
    report = {
        "mode": args.mode,
        "every_call": summary(stays(calls)),
        "first_calls": summary(stays(first_calls(calls))),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for kind in ("every_call", "first_calls"):
        part = report[kind]
        print(f"{kind.replace('_', ' ')}:")
        for n, step in enumerate(part["walk"], 1):
            print(f"  {n:2}. {step['file']}: {', '.join(step['calls'])}")
        print(
            f"  {part['stays']} stays in {part['files']} files, {part['returns']} returns"
            f" ({args.mode} mode)"
        )


if __name__ == "__main__":
    main()
