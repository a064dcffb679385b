"""`setup`: the one-time work a first ingest would otherwise pay for, done at install time.

That is the embedder's ONNX export and its int8 quantization (a 14-page release took 34 s
to ingest in a fresh workspace, most of it the export). It goes into the shared ONNX
cache (`onnx_cache`, by default onnx/ in the user cache folder) where every workspace
finds it. `make setup` and the bundle's install.sh run it; a second run does nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.commands.common import JsonFlag, err
from app.errors import InputError
from app.settings import default_onnx_cache, load_settings
from ingestion.embedder import bundled_model_folder


def setup(as_json: JsonFlag = False) -> None:
    """Export the embedder to ONNX (fp32 and int8) into the shared cache, once."""
    from ingestion.onnx_embedder import export_onnx

    settings = load_settings()
    folder = settings.embedder_path or bundled_model_folder()
    if folder is None or not (Path(folder) / "tokenizer.json").is_file():
        raise InputError(f"embedding model folder not found or without tokenizer.json: {folder}")
    cache = settings.onnx_cache or default_onnx_cache()
    started = time.monotonic()
    model = export_onnx(Path(folder), cache, quantized=True)
    seconds = time.monotonic() - started
    if as_json:
        print(json.dumps({"onnx_model": str(model), "seconds": round(seconds, 1)}))
    else:
        print(model)
    err(f"embedder ready in the shared cache {cache} ({seconds:.1f} s)")
