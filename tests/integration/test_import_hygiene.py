"""The non-UI packages must never load Textual (docs/architecture.md, "Packages")."""

import subprocess
import sys

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


def loads_textual(*modules: str) -> bool:
    """Whether importing `modules` in a fresh interpreter pulls Textual in."""
    code = f"import sys, {', '.join(modules)}; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip() == "True"


def test_modules_do_not_load_textual() -> None:
    """One interpreter imports them all (what each imports is part of what all import, so
    none loads Textual when all together do not: ~1 s instead of 17 interpreters' ~8 s);
    only when Textual is loaded is each imported alone, to name the culprits."""
    if loads_textual(*MODULES):
        assert [m for m in MODULES if loads_textual(m)] == []
        raise AssertionError("Textual loads only when these modules are imported together")


def test_tui_does_load_textual() -> None:
    """The check above can fail: importing the UI does pull Textual in."""
    assert loads_textual("tui.main_app")
    assert loads_textual("app.cli", "tui.main_app")  # found among others too
