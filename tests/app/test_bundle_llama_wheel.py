"""The offline bundle carries the llama-cpp-python build of the machine that made it.

`pip wheel` would take llama-cpp-python from pip's cache (a CPU build); on a GPU machine the
bundle must carry the CUDA wheel that scripts/build_llama.sh compiled, and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.services.bundle import BundleError, use_local_llama_wheel

WHEEL = "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"


def folders(tmp_path: Path) -> tuple[Path, Path]:
    wheels, local = tmp_path / "wheels", tmp_path / "llama-wheel"
    wheels.mkdir()
    local.mkdir()
    (wheels / WHEEL).write_bytes(b"cpu build from pip's cache")
    return wheels, local


def test_the_cuda_wheel_replaces_the_cached_one_and_the_manifest_says_so(tmp_path: Path) -> None:
    wheels, local = folders(tmp_path)
    (local / WHEEL).write_bytes(b"cuda build")
    (local / "build.json").write_text(
        json.dumps({"backend": "cuda", "cuda_architectures": "90-real", "nvcc": "13.0"})
    )
    entry = use_local_llama_wheel(wheels, local, "CUDA")
    assert (wheels / WHEEL).read_bytes() == b"cuda build"
    assert len(list(wheels.glob("llama_cpp_python-*.whl"))) == 1
    assert entry["backend"] == "CUDA" and entry["cuda_architectures"] == "90-real"
    assert entry["file"] == f"wheels/{WHEEL}"


def test_a_cuda_install_without_its_wheel_is_refused(tmp_path: Path) -> None:
    wheels, local = folders(tmp_path)
    with pytest.raises(BundleError, match="CUDA build but its wheel is not in"):
        use_local_llama_wheel(wheels, local, "CUDA")


def test_a_cpu_install_may_use_the_cached_wheel(tmp_path: Path) -> None:
    wheels, local = folders(tmp_path)
    entry = use_local_llama_wheel(wheels, local, "CPU")
    assert entry == {"file": None, "backend": "CPU", "source": "pip cache"}
    assert (wheels / WHEEL).read_bytes() == b"cpu build from pip's cache"


def test_pip_collects_the_wheel_compiled_here_instead_of_compiling_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the local wheel among pip's links, `pip wheel` builds llama.cpp from the sdist."""
    import app.services.bundle as bundle

    _, local = folders(tmp_path)
    (local / WHEEL).write_bytes(b"compiled by make setup")
    calls: list[tuple[str, ...]] = []

    def pip(*args: str) -> None:
        calls.append(args)
        raise BundleError("stop after collecting")

    monkeypatch.setattr(bundle, "LOCAL_LLAMA_WHEELS", local)
    monkeypatch.setattr(bundle, "_pip", pip)
    with pytest.raises(BundleError, match="stop after collecting"):
        bundle.create_bundle(tmp_path / "bundle", [])
    [collect] = calls
    assert collect[0] == "wheel" and "--find-links" in collect
    assert collect[collect.index("--find-links") + 1] == str(local)
