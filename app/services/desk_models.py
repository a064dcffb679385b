"""Models for the desk: views over the workspace's `ModelStore` (the same store `archivist
models` uses), so the TUI and the CLI agree on what is installed, verified and active.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.errors import InputError
from app.services.ports import ModelDesk
from model_runtime.errors import ModelError
from model_runtime.gguf_file import check_gguf
from model_runtime.registry import ModelEntry, starter_model


@dataclass(frozen=True)
class ModelView:
    name: str
    file: str
    path: str
    size_mb: float
    status: str  # "verified", "missing", "not GGUF" or "failed verification"
    active: bool
    starter: bool


@dataclass(frozen=True)
class HardwareView:
    backend: str  # CPU, CUDA or Metal
    gpu_offload: bool
    offload: str
    context_length: int  # 0: chosen automatically when the model loads
    threads: str


def _active_path(workspace: ModelDesk) -> Path | None:
    try:
        return workspace.model_entry().path.resolve()
    except Exception:  # noqa: BLE001 - no model is a state to show
        return None


def _status(workspace: ModelDesk, entry: ModelEntry) -> str:
    """Cheap when the file is unchanged since its last full check (size and mtime)."""
    if not entry.path.is_file():
        return "missing"
    try:
        check_gguf(entry.path)
    except ModelError:
        return "not GGUF"
    try:
        workspace.models.verify(entry)
    except ModelError:
        return "failed verification"  # changed since import, or no recorded hash
    return "verified"


def _view(workspace: ModelDesk, entry: ModelEntry, active: Path | None) -> ModelView:
    size = entry.path.stat().st_size if entry.path.is_file() else 0
    return ModelView(
        entry.name,
        entry.path.name,
        str(entry.path),
        round(size / 1e6, 1),
        _status(workspace, entry),
        active is not None and entry.path.resolve() == active,
        entry.starter,
    )


def list_models(workspace: ModelDesk) -> list[ModelView]:
    active = _active_path(workspace)
    entries: list[ModelEntry] = []
    starter = starter_model()
    if starter is not None:
        entries.append(starter)
    entries += workspace.models.installed()
    views = [_view(workspace, entry, active) for entry in entries]
    if active is not None and all(Path(v.path).resolve() != active for v in views):
        # ARCHIVIST_MODEL points at a file outside the workspace: show it too.
        views.append(_view(workspace, workspace.model_entry(), active))
    return views


def import_model(workspace: ModelDesk, source: Path) -> ModelView:
    """Copy a GGUF into `models/` and record its checksum; a non-GGUF file is refused."""
    if not source.is_file():
        raise InputError(f"no such file: {source}")
    try:
        entry = workspace.models.import_file(source)
    except ModelError as exc:
        raise InputError(str(exc)) from exc
    return _view(workspace, entry, _active_path(workspace))


def use_model(workspace: ModelDesk, name: str) -> None:
    """Answer with another model from now on (as `archivist models use`); loads on first use."""
    view = next((v for v in list_models(workspace) if v.name == name), None)
    if view is None:
        raise InputError(f"no model named {name}")
    if view.status != "verified":
        raise InputError(f"{name}: {view.status}; not switching")
    workspace.use_model(name)


def hardware(workspace: ModelDesk) -> HardwareView:
    from model_runtime.hardware import build_info

    build = build_info()
    offload = bool(build["gpu_offload"])
    threads = workspace.settings.threads
    return HardwareView(
        backend=str(build["backend"]),
        gpu_offload=offload,
        offload="all layers on the GPU" if offload else "none (CPU only)",
        context_length=_context_length(workspace),
        threads=str(threads) if threads else "all cores",
    )


def _context_length(workspace: ModelDesk) -> int:
    """The setting, else the automatic choice once the model is loaded, else 0 (not yet)."""
    if workspace.settings.context_length is not None:
        return workspace.settings.context_length
    choice = workspace.context_choice
    return choice.context_length if choice is not None else 0
