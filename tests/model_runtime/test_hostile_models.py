"""Model files are untrusted input too (issue 24 items 14-17): a forged shape, absurd
numbers, deep nesting and hostile chat templates are refused with one line and exit code 6
at `models import`, nothing later dies of a signal or runs away, and the active model is
always the verified file in models/, whatever its name.

The files are tiny real GGUFs (tests/tiny_gguf.py) with one header value patched in place,
so everything but the forged part is what llama.cpp would load.
"""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.settings import load_settings
from app.workspace import Workspace
from model_runtime.chat_template import ChatTemplate, TemplateError
from tests import tiny_gguf as t
from tests.cli_runner import CliResult
from tests.cli_runner import archivist as cli

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 3 * 1024**3


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def archivist(
    *args: str, home: Path, timeout: float = 120, model: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: a SIGABRT or a hang fails the test, not pytest."""
    env = {**os.environ, "ARCHIVIST_HOME": str(home), "PYTHONPATH": str(ROOT)}
    if model is not None:
        env["ARCHIVIST_MODEL"] = str(model)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=_limit_memory,
    )


def imported(path: Path) -> CliResult:
    """`archivist models import PATH` in-process (fast); the new code refuses before llama.cpp
    sees the file, and the old code accepted every file here without rendering anything."""
    return cli("models", "import", str(path))


def refused(result: subprocess.CompletedProcess[str] | CliResult) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 6, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def patch_uint32(path: Path, key: str, value: int) -> Path:
    """Overwrite a uint32 header value in place (its key, then its type, then the value)."""
    data = bytearray(path.read_bytes())
    at = data.index(key.encode()) + len(key)
    assert struct.unpack_from("<I", data, at)[0] == 4  # uint32
    struct.pack_into("<I", data, at + 4, value)
    path.write_bytes(bytes(data))
    return path


def tiny(tmp_path: Path, name: str = "tiny.gguf", **options: object) -> Path:
    return t.write_tiny_qwen3(tmp_path / name, t.FAST_SCRIPT, **options)  # type: ignore[arg-type]


def test_a_billion_claimed_layers_is_refused_at_import(tmp_path: Path) -> None:
    forged = patch_uint32(tiny(tmp_path, "forged.gguf"), "qwen3.block_count", 1_000_000_000)
    line = refused(imported(forged))
    assert "qwen3.block_count = 1,000,000,000 is out of range (1 to 1,024)" in line
    two = patch_uint32(tiny(tmp_path, "two.gguf"), "qwen3.block_count", 2)
    line = refused(imported(two))
    assert "the header claims 2 layers but the file holds tensors for 1" in line


@pytest.mark.slow  # a process: the old code died of SIGABRT here
def test_a_forged_model_that_bypassed_import_is_refused_at_load(
    tmp_path: Path, archivist_home: Path
) -> None:
    """ARCHIVIST_MODEL (or a file imported before this check): refused before llama.cpp."""
    forged = patch_uint32(tiny(tmp_path, "forged.gguf"), "qwen3.block_count", 1_000_000_000)
    line = refused(archivist("models", "info", home=archivist_home, model=forged))
    assert "1,000,000,000 is out of range" in line


def test_context_length_out_of_range_is_refused(tmp_path: Path, archivist_home: Path) -> None:
    forged = patch_uint32(tiny(tmp_path), "qwen3.context_length", 4_000_000_000)
    line = refused(imported(forged))
    assert "qwen3.context_length = 4,000,000,000 is out of range" in line


def test_tensor_data_past_the_end_of_the_file_is_refused(
    tmp_path: Path, archivist_home: Path
) -> None:
    path = tiny(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 4096])
    line = refused(imported(path))
    assert "past the end of the file" in line


def test_deeply_nested_metadata_arrays_are_refused(tmp_path: Path, archivist_home: Path) -> None:
    def text(value: str) -> bytes:
        return struct.pack("<Q", len(value)) + value.encode()

    nested = struct.pack("<IQ", 9, 1) * 5000 + struct.pack("<IQI", 4, 1, 7)
    body = text("general.architecture") + struct.pack("<I", 8) + text("qwen3")
    body += text("qwen3.nested") + struct.pack("<I", 9) + nested
    path = tmp_path / "nested.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + body)
    line = refused(imported(path))
    assert "nested deeper than" in line


HOSTILE_TEMPLATES = {
    "time": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "memory": "{{ 'x' * 500000000 }}",
    "range": "{% for i in range(10**9) %}{% endfor %}",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEMPLATES))
def test_a_hostile_chat_template_is_refused_at_import(
    kind: str, tmp_path: Path, archivist_home: Path
) -> None:
    path = tiny(tmp_path, chat_template=HOSTILE_TEMPLATES[kind])
    line = refused(imported(path))
    assert "chat template" in line and "refused" in line


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEMPLATES))
def test_rendering_a_hostile_template_is_bounded_in_time_and_size(kind: str) -> None:
    """A model that bypassed import (ARCHIVIST_MODEL): `ask` and `doctor` render its template;
    they must get one TemplateError (exit code 6) within seconds, not hang or take GBs."""
    outcome: list[BaseException | str] = []

    def render() -> None:
        try:
            outcome.append(ChatTemplate(HOSTILE_TEMPLATES[kind]).render([], False))
        except BaseException as exc:  # noqa: BLE001 - the test looks at what it was
            outcome.append(exc)

    worker = threading.Thread(target=render, daemon=True)
    worker.start()
    worker.join(15)
    assert not worker.is_alive(), "the template ran unbounded"
    assert len(outcome) == 1 and isinstance(outcome[0], TemplateError), outcome
    assert outcome[0].hostile


def test_the_active_model_is_the_verified_file_whatever_its_name(
    tmp_path: Path, archivist_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report.gguf.gguf` is recorded as `report.gguf`; the active name was then resolved
    against the current folder, so a `report.gguf` there loaded unverified."""
    workspace = Workspace(load_settings())
    workspace.models.import_file(tiny(tmp_path, "report.gguf.gguf"))
    workspace.use_model("report.gguf")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tiny(elsewhere, "report.gguf", seed=1)  # a different file of the same name
    for folder in (elsewhere, tmp_path):
        monkeypatch.chdir(folder)
        entry = Workspace(load_settings()).model_entry()
        assert entry.path == workspace.models_dir / "report.gguf.gguf"
        assert entry.sha256 == workspace.models.sums()["report.gguf.gguf"]
