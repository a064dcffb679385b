"""Verified on every load: a changed model file is caught even when its mtime is put back.

Skipping the rehash needs the file's identity unchanged, inode change time (ctime)
included, which `touch -r` cannot restore; `doctor` verifies before it runs a model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.commands.doctor import runtime_sections
from app.workspace import Workspace
from model_runtime.errors import ModelFileError
from model_runtime.model_store import ModelStore


def flip_byte_keep_times(path: Path) -> None:
    """What `touch -r` after an edit does: size, atime and mtime as they were."""
    before = path.stat()
    with path.open("r+b") as handle:
        handle.seek(-5, os.SEEK_END)
        byte = handle.read(1)
        handle.seek(-5, os.SEEK_END)
        handle.write(bytes([byte[0] ^ 0x01]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_flipped_byte_with_restored_mtime_is_refused(
    tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    store = ModelStore(tmp_path / "models")
    entry = store.import_file(tiny_models["qwen3"])
    assert store.verify(entry).rehashed is False  # import just hashed it: the cheap path
    flip_byte_keep_times(entry.path)
    with pytest.raises(ModelFileError, match="does not match its recorded SHA-256"):
        store.verify(entry)


def test_an_untouched_copy_elsewhere_is_rehashed_once(
    tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    store = ModelStore(tmp_path / "models")
    entry = store.import_file(tiny_models["qwen3"])
    moved = tmp_path / "moved.gguf"
    shutil.copy2(entry.path, moved)
    os.replace(moved, entry.path)  # same bytes and mtime, a new inode
    assert store.verify(entry).rehashed is True
    assert store.verify(entry).rehashed is False


def test_doctor_does_not_run_a_model_that_fails_its_hash(
    workspace: Workspace, tiny_models: dict[str, Path]
) -> None:
    entry = workspace.models.import_file(tiny_models["qwen3"])
    workspace.models.use(entry.name)
    flip_byte_keep_times(entry.path)
    section = runtime_sections(workspace)["model"]
    assert section["ok"] is False
    assert "SHA-256" in str(section["error"])
    assert "prefill_tokens_per_s" not in section
