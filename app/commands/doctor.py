"""`doctor`: what this machine and install can do, as a dict of sections.

Sections are independent so that more (workspace health, index, catalogue) can be added
beside `runtime` and `model` without changing their shape.
"""

from __future__ import annotations

import json

from app.commands.common import JsonFlag
from app.settings import load_settings
from app.workspace import Workspace


def runtime_sections(workspace: Workspace) -> dict[str, dict[str, object]]:
    from model_runtime.doctor import model_section
    from model_runtime.hardware import runtime_report

    settings = workspace.settings
    sections: dict[str, dict[str, object]] = {
        "runtime": runtime_report(settings.context_length),
    }
    try:
        entry = workspace.model_entry()
        sections["model"] = model_section(entry.path, entry.name, settings.context_length)
    except Exception as exc:  # noqa: BLE001 - doctor reports every failure, it never stops
        sections["model"] = {"ok": False, "error": str(exc).splitlines()[0]}
    return sections


def doctor(as_json: JsonFlag = False) -> None:
    """Report the llama.cpp build, memory, chosen settings and a prefill-time estimate."""
    workspace = Workspace(load_settings())
    try:
        sections = runtime_sections(workspace)
    finally:
        workspace.close()
    if as_json:
        print(json.dumps(sections, indent=2, default=str))
        return
    for title, section in sections.items():
        print(f"[{title}]")
        _print(section, "  ")


def _print(value: dict[str, object], indent: str) -> None:
    for key, item in value.items():
        if isinstance(item, dict):
            print(f"{indent}{key}:")
            _print(item, indent + "  ")
        else:
            print(f"{indent}{key}: {item}")
