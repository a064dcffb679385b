"""The non-UI packages must never load Textual (docs/architecture.md, "Packages")."""

import subprocess
import sys

import pytest

MODULES = [
    "model_runtime",
    "model_runtime.llama_engine",
    "model_runtime.model_store",
    "model_runtime.hardware",
    "ingestion",
    "ingestion.readers",
    "ingestion.embedder",
    "retrieval",
    "retrieval.catalogue",
    "retrieval.edge_store",
    "retrieval.prompt",
    "app",
    "app.cli",
    "app.services.ask",
    "app.services.ingest",
    "app.commands.models",
    "app.commands.doctor",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_does_not_load_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_tui_does_load_textual() -> None:
    """The check above can fail: importing the UI does pull Textual in."""
    code = "import sys, tui.main_app; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"
