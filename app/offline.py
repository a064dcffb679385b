"""Archivist never reaches the network at run time; these switches make the libraries agree.

They must be set before `huggingface_hub`, `transformers` or `sentence_transformers` is
imported, because those read them once at import. `ORT_DISABLE_TELEMETRY` is ONNX
Runtime's opt-out of the 1DS telemetry it sends on Linux and macOS since 1.29
(`mobile.events.data.microsoft.com`, resolved seconds after a session starts); it is read
when the runtime initialises, so it too must be in the environment before the import
(`onnxruntime.disable_telemetry_events()` comes too late). Child processes (parse
workers) inherit the environment; `install.sh` exports the same switches.
"""

from __future__ import annotations

import os

OFFLINE_SWITCHES = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def force_offline() -> None:
    os.environ.update(OFFLINE_SWITCHES)
