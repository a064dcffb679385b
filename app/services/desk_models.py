"""Models for the desk: the starter model and GGUF files imported into the workspace, each
checked against `models/SHA256SUMS`, plus what the llama.cpp build can do.

A stand-in until the model registry service lands; the TUI sees only these views.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.errors import InputError
from app.workspace import Workspace
from model_runtime.errors import ModelError
from model_runtime.registry import check_gguf, starter_model

CHECKSUMS = "SHA256SUMS"
_digests: dict[tuple[str, int, float], str] = {}  # (path, size, mtime) -> sha256


@dataclass(frozen=True)
class ModelView:
    name: str
    file: str
    path: str
    size_mb: float
    status: str  # "bundled", "verified", "no checksum", "checksum mismatch" or "not GGUF"
    active: bool
    starter: bool


@dataclass(frozen=True)
class HardwareView:
    backend: str  # CPU, CUDA or Metal
    gpu_offload: bool
    offload: str
    context_length: int
    threads: str


def sha256_of(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    if key not in _digests:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _digests[key] = digest.hexdigest()
    return _digests[key]


def _checksums(workspace: Workspace) -> dict[str, str]:
    path = workspace.models_dir / CHECKSUMS
    if not path.is_file():
        return {}
    sums: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            sums[name] = digest
    return sums


def _status(path: Path, expected: str | None) -> str:
    try:
        check_gguf(path)
    except ModelError:
        return "not GGUF"
    if expected is None:
        return "no checksum"
    return "verified" if sha256_of(path) == expected else "checksum mismatch"


def _active_path(workspace: Workspace) -> Path | None:
    try:
        return workspace.model_entry().path.resolve()
    except Exception:  # noqa: BLE001 - no model is a state to show
        return None


def list_models(workspace: Workspace) -> list[ModelView]:
    active = _active_path(workspace)
    views: list[ModelView] = []
    starter = starter_model()
    if starter is not None:
        views.append(
            ModelView(
                starter.name,
                starter.path.name,
                str(starter.path),
                round(starter.path.stat().st_size / 1e6, 1),
                "bundled",
                starter.path.resolve() == active,
                True,
            )
        )
    sums = _checksums(workspace)
    for path in sorted(workspace.models_dir.glob("*.gguf")):
        views.append(
            ModelView(
                path.stem,
                path.name,
                str(path),
                round(path.stat().st_size / 1e6, 1),
                _status(path, sums.get(path.name)),
                path.resolve() == active,
                False,
            )
        )
    if active is not None and all(Path(v.path).resolve() != active for v in views):
        # ARCHIVIST_MODEL points outside the workspace: show it too.
        views.append(
            ModelView(
                active.stem,
                active.name,
                str(active),
                round(active.stat().st_size / 1e6, 1) if active.is_file() else 0.0,
                _status(active, None),
                True,
                False,
            )
        )
    return views


def import_model(workspace: Workspace, source: Path) -> ModelView:
    """Copy a GGUF into `models/` and record its checksum; a non-GGUF file is refused."""
    try:
        check_gguf(source)
    except ModelError as exc:
        raise InputError(str(exc)) from exc
    target = workspace.models_dir / source.name
    if target.exists():
        raise InputError(f"a model named {source.name} is already imported")
    partial = target.with_suffix(".gguf.partial")
    shutil.copyfile(source, partial)
    digest = sha256_of(partial)
    partial.replace(target)
    with (workspace.models_dir / CHECKSUMS).open("a") as handle:
        handle.write(f"{digest}  {target.name}\n")
    return next(v for v in list_models(workspace) if v.path == str(target))


def use_model(workspace: Workspace, name: str) -> None:
    """Point this session's workspace at another model; it loads on first use."""
    view = next((v for v in list_models(workspace) if v.name == name), None)
    if view is None:
        raise InputError(f"no model named {name}")
    if view.status in ("not GGUF", "checksum mismatch"):
        raise InputError(f"{name}: {view.status}; not switching")
    model = None if view.starter else view.path
    workspace.settings = workspace.settings.model_copy(update={"model": model})
    old = workspace.__dict__.pop("engine", None)
    del old  # llama.cpp frees the model when the last reference goes


def hardware(workspace: Workspace) -> HardwareView:
    from model_runtime.build import llama_build

    build = llama_build()
    offload = bool(build["gpu_offload"])
    threads = workspace.settings.threads
    return HardwareView(
        backend=str(build["backend"]),
        gpu_offload=offload,
        offload="all layers on the GPU" if offload else "none (CPU only)",
        context_length=workspace.settings.context_length,
        threads=str(threads) if threads else "all cores",
    )
