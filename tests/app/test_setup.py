"""No first-run stall: `archivist setup` (run by `make setup` and install.sh) exports the
embedder to ONNX once into the shared cache; a new workspace finds it there."""

import json
from pathlib import Path

import pytest

import ingestion.onnx_embedder as onnx_embedder
from app.commands.setup import setup
from app.settings import load_settings
from app.workspace import Workspace


def test_the_shared_cache_defaults_to_the_user_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVIST_ONNX_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_settings().onnx_cache == tmp_path / "xdg" / "archivist" / "onnx"


def test_setup_exports_once_and_a_new_workspace_never_exports(
    onnx_cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(as_json=True)
    model = Path(json.loads(capsys.readouterr().out)["onnx_model"])
    assert model.is_file() and model.parent.parent == onnx_cache
    assert model.name == "model-int8-s8pc.onnx" and (model.parent / "model.onnx").is_file()
    stamp = model.stat().st_mtime_ns
    setup(as_json=True)  # a second run does nothing
    assert json.loads(capsys.readouterr().out)["onnx_model"] == str(model)
    assert model.stat().st_mtime_ns == stamp

    def no_export(*_args: object) -> None:
        raise AssertionError("a workspace exported the embedder again")

    monkeypatch.setattr(onnx_embedder, "_export", no_export)
    workspace = Workspace(load_settings())  # a fresh workspace: its own home, shared cache
    try:
        [vector] = workspace.embedder.embed(["capital expenditures"])
        assert len(vector) == 384
    finally:
        workspace.close()
