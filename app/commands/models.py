"""`models list|import|verify|use|info`: the GGUF models in the workspace, checked by hash.

`models pull` is not offered: Archivist never goes online; copy the file in and import it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import JsonFlag, err, open_workspace
from app.errors import InputError, ModelUnavailableError
from app.workspace import Workspace
from model_runtime.errors import ModelError
from model_runtime.model_store import check_model_file
from model_runtime.registry import QWEN3_FAMILY, STARTER_NAME, known_file, starter_model


def _workspace() -> Workspace:
    return open_workspace()


def _active(workspace: Workspace) -> str:
    try:
        return workspace.model_entry().name
    except ModelUnavailableError:
        return ""


def models_list(as_json: JsonFlag = False) -> None:
    """The models installed here (the starter and imported files) and the Qwen3 family."""
    workspace = _workspace()
    active = _active(workspace)
    installed: list[dict[str, object]] = []
    starter = starter_model()
    if starter is not None:
        installed.append(
            {"name": starter.name, "file": str(starter.path), "label": starter.label,
             "starter": True, "active": starter.name == active}
        )  # fmt: skip
    for entry in workspace.models.installed():
        known = known_file(entry.path.name)
        installed.append(
            {
                "name": entry.name,
                "file": str(entry.path),
                "label": f"{known[0].name} {known[1].name}" if known else entry.path.name,
                "starter": False,
                "active": entry.name == active,
                "sha256": entry.sha256,
            }
        )
    family = [model.as_dict() for model in QWEN3_FAMILY]
    if as_json:
        print(json.dumps({"installed": installed, "family": family}, indent=2))
        return
    print("Installed:")
    for item in installed:
        mark = "*" if item["active"] else " "
        print(f" {mark} {item['name']}  ({item['label']})")
    print("\nQwen3 family (import a file to use it; native context 32768, YaRN to 131072):")
    for model in QWEN3_FAMILY:
        files = ", ".join(f"{q.name} {q.size_gb:g} GB" for q in model.quants)
        print(f"   {model.name:<14} {model.architecture:<8} {files}")


def models_import(
    path: Annotated[Path, typer.Argument(help="A GGUF file to copy into the workspace.")],
    as_json: JsonFlag = False,
) -> None:
    """Copy a GGUF file into the workspace's models/ and record its SHA-256."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    check_model_file(path)  # refuse a bad file (or chat template) before saying anything
    workspace = _workspace()
    err(f"importing {path.name} (copying and hashing)")
    entry = workspace.models.import_file(path)
    data = {"name": entry.name, "file": str(entry.path), "sha256": entry.sha256}
    print(json.dumps(data, indent=2) if as_json else f"{entry.name}  {entry.sha256}")


def models_verify(
    name: Annotated[str | None, typer.Argument(help="A model name; default: all.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Rehash model files and compare with models/SHA256SUMS (the starter: its known hash)."""
    workspace = _workspace()
    store = workspace.models
    entries = [store.find(name)] if name else [store.find(STARTER_NAME), *store.installed()]
    results: list[dict[str, object]] = []
    failed = 0
    for entry in entries:
        try:
            verified = store.verify(entry, force=True)
            results.append({"name": entry.name, "ok": True, "sha256": verified.sha256})
        except ModelError as exc:
            failed += 1
            results.append({"name": entry.name, "ok": False, "error": str(exc)})
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        for item in results:
            print(f"{'ok' if item['ok'] else 'FAILED'}  {item['name']}  {item.get('error', '')}")
    if failed:
        raise ModelUnavailableError(f"{failed} model file(s) failed verification")


def models_use(name: Annotated[str, typer.Argument(help="An installed model's name.")]) -> None:
    """Answer with this model from now on (ARCHIVIST_MODEL still overrides it)."""
    entry = _workspace().models.use(name)
    err(f"now using {entry.name}")


def models_info(
    name: Annotated[str | None, typer.Argument(help="A model name; default: active.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Load a model and describe it: architecture, context, thinking, runtime settings."""
    workspace = _workspace()
    if name:
        entry = workspace.models.find(name)
        workspace.settings = workspace.settings.model_copy(update={"model": str(entry.path)})
    engine = workspace.engine
    info = engine.model_info.as_dict()
    if as_json:
        print(json.dumps(info, indent=2, default=str))
        return
    for key, value in info.items():
        print(f"{key}: {value}")
