"""`bundle create`: one folder to carry across the air gap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import JsonFlag, err, open_workspace


def bundle_create(
    out: Annotated[Path, typer.Argument(help="New folder to write the bundle into.")],
    model: Annotated[
        list[Path] | None,
        typer.Option(
            "--model", help="GGUF file to include (repeatable); default: the active model."
        ),
    ] = None,
    embedder: Annotated[
        Path | None, typer.Option(help="A sentence-transformers folder to include.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Build an offline bundle on a connected machine: wheels for every dependency (the
    compiled llama-cpp-python and the CPU torch included), models, SHA256SUMS, a manifest
    and install.sh. Carry the folder across and run its install.sh."""
    from app.services.bundle import create_bundle

    models = list(model or [])
    if not models:
        workspace = open_workspace()
        models = [workspace.model_entry().path]
        workspace.close()
    result = create_bundle(out, models, embedder, progress=err)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        size_mb = int(result["bytes"]) / 1e6  # type: ignore[call-overload]
        print(f"bundle written to {out}: {result['files']} files, {size_mb:.0f} MB")
