"""`archivist doctor` on a healthy workspace and on broken ones."""

import json
import os
import shutil
from pathlib import Path

from app.workspace import Workspace
from model_runtime.registry import starter_model
from tests.cli_runner import archivist
from tests.conftest import installed_backend


def doctor(home: Path, **env: str) -> tuple[int, dict[str, dict[str, object]]]:
    result = archivist("doctor", "--json", home=home, env=env)
    return result.returncode, json.loads(result.stdout)


def failing(report: dict[str, dict[str, object]]) -> set[str]:
    return {
        name
        for name, check in report["workspace"].items()
        if isinstance(check, dict) and not check["ok"]
    }


def test_healthy_then_index_out_of_sync(northwind: Workspace) -> None:
    workspace = northwind
    home = workspace.home
    workspace.close()
    code, report = doctor(home)
    assert code == 0, report["verdict"]
    assert report["verdict"]["ok"] is True
    assert report["runtime"]["build"]["backend"] == installed_backend()
    assert report["versions"]["llama-cpp-python"]

    reopened = Workspace(workspace.settings)
    [document] = reopened.catalogue.documents()
    reopened.store.delete_document(document.id)  # the index loses the document's points
    reopened.close()
    code, report = doctor(home)
    assert code == 1
    assert failing(report) == {"index in sync"}
    assert any("archivist reindex" in line for line in report["verdict"]["fix"])


def test_missing_model(archivist_home: Path, tmp_path: Path) -> None:
    code, report = doctor(archivist_home, ARCHIVIST_MODEL=str(tmp_path / "gone.gguf"))
    assert code == 1
    assert "model" in failing(report)


def test_hash_mismatch_of_an_imported_model(archivist_home: Path, tmp_path: Path) -> None:
    entry = starter_model()
    assert entry is not None
    copy = tmp_path / "mine.gguf"
    shutil.copy(entry.path, copy)
    imported = archivist("models", "import", str(copy), home=archivist_home)
    assert imported.returncode == 0, imported.stderr
    [stored] = list((archivist_home / "models").glob("*.gguf"))
    with stored.open("r+b") as handle:  # one flipped byte near the end of the weights
        handle.seek(-100, os.SEEK_END)
        byte = handle.read(1)
        handle.seek(-100, os.SEEK_END)
        handle.write(bytes([byte[0] ^ 0xFF]))
    code, report = doctor(archivist_home, ARCHIVIST_MODEL=str(stored))
    assert code == 1
    assert "model" in failing(report)
    assert "SHA-256" in str(report["workspace"]["model"]["detail"])
