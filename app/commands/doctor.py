"""`doctor`: what this machine and install can do, as a dict of sections.

Sections are independent so that more (workspace health, index, catalogue) can be added
beside `runtime` and `model` without changing their shape.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform

import typer

from app.commands.common import JsonFlag, open_workspace
from app.errors import ExitCode
from app.workspace import Workspace


def runtime_sections(workspace: Workspace) -> dict[str, dict[str, object]]:
    """Runtime, model and context sections; the prefill is measured afresh and cached."""
    from app.services.context import context_choice, probe_prefill
    from model_runtime.context_size import shape_of
    from model_runtime.doctor import model_section
    from model_runtime.hardware import runtime_report

    settings = workspace.settings
    model: dict[str, object]
    context: dict[str, object]
    compute = None
    chosen = settings.context_length
    try:
        entry = workspace.model_entry()
        if entry.sha256 is not None or entry.starter:
            workspace.models.verify(entry)  # never load (run) a file that fails its hash
        sample = probe_prefill(entry, settings.threads)
        compute = (shape_of(entry.path), sample)
        try:
            choice = context_choice(workspace, entry, None, sample=sample)
            context = {"ok": True} | choice.as_dict()
            chosen = choice.context_length
        except Exception as exc:  # noqa: BLE001 - an unreachable target is a finding
            context = {"ok": False, "error": str(exc).splitlines()[0]}
        model = model_section(entry.path, entry.name, chosen or 32_768, sample)
    except Exception as exc:  # noqa: BLE001 - doctor reports every failure, it never stops
        model = {"ok": False, "error": str(exc).splitlines()[0]}
        context = {"ok": False, "error": "no model to size the context for"}
    runtime = runtime_report(chosen or 32_768, compute=compute)
    return {"runtime": runtime, "model": model, "context": context}


PACKAGES = (
    "archivist",
    "llama-cpp-python",
    "torch",
    "sentence-transformers",
    "qdrant-edge-py",
    "qdrant-client",
    "pypdf",
    "textual",
    "sqlalchemy",
    "pydantic-settings",
)


def versions() -> dict[str, object]:
    found: dict[str, object] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def doctor(as_json: JsonFlag = False) -> None:
    """Check this install and workspace: versions, llama.cpp build (CPU/CUDA), memory, the
    model and its SHA-256, the embedder, catalogue integrity, index vs catalogue, offline
    switches; ends with a verdict and what to fix. Exit code 1 when something needs fixing."""
    from app.services.health import workspace_health

    workspace = open_workspace()
    try:
        sections: dict[str, dict[str, object]] = {"versions": versions()}
        sections.update(runtime_sections(workspace))
        health = workspace_health(workspace)
    finally:
        workspace.close()
    sections["workspace"] = {"home": str(workspace.home)} | {
        check.name: check.as_dict() for check in health.checks
    }
    problems = [c for c in health.checks if not c.ok]
    fixes = [f"{c.name}: {c.detail} -> {c.fix}" for c in problems]
    context = sections["context"]
    if not context.get("ok") and sections["model"].get("ok"):
        fixes.append(f"context: {context['error']}")
    ok = health.ok and not fixes
    sections["verdict"] = {"ok": ok, "fix": fixes}
    if as_json:
        print(json.dumps(sections, indent=2, default=str))
    else:
        for title, section in sections.items():
            if title in ("workspace", "verdict"):
                continue
            print(f"[{title}]")
            _print(section, "  ")
        print("[workspace]")
        for check in health.checks:
            print(f"  {'ok ' if check.ok else 'BAD'} {check.name}: {check.detail}")
        print("verdict: healthy" if ok else "verdict: needs attention")
        for line in fixes:
            print(f"  fix {line}")
    if not ok:
        raise typer.Exit(ExitCode.FAILURE)


def _print(value: dict[str, object], indent: str) -> None:
    for key, item in value.items():
        if isinstance(item, dict):
            print(f"{indent}{key}:")
            _print(item, indent + "  ")
        else:
            print(f"{indent}{key}: {item}")
