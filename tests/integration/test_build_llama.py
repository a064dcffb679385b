"""scripts/build_llama.sh chooses CUDA or the CPU, says so in one line, and records it.

The compiler is not run here (a real build takes minutes; `make setup` and
bench/gpu_session.sh run it): `pip`, `nvcc` and `nvidia-smi` are small stand-in scripts
that log their arguments, so the test checks what the build script asks of them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_llama.sh"

# A stand-in Python: `-m pip wheel` writes a wheel (or fails when FAIL_CUDA is set and the
# CMake arguments ask for CUDA), `-m pip install` succeeds, `-c` (the offload check) reports
# what the last wheel was built for.
FAKE_PYTHON = """#!/bin/sh
echo "$@ | CMAKE_ARGS=${CMAKE_ARGS:-}" >> "$CALLS"
if [ "$1" = -c ]; then grep -q GGML_CUDA "$STATE" 2>/dev/null; exit $?; fi
case " $* " in
  *" wheel "*)
    case "${CMAKE_ARGS:-}" in *GGML_CUDA*) [ -n "${FAIL_CUDA:-}" ] && exit 1;; esac
    while [ "$1" != -w ]; do shift; done
    touch "$2/llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"
    echo "${CMAKE_ARGS:-}" > "$STATE";;
esac
exit 0
"""
FAKE_NVIDIA_SMI = """#!/bin/sh
case "$*" in
  -L) echo "GPU 0: NVIDIA H200";;
  *compute_cap*) printf '9.0\\n9.0\\n';;
esac
"""
FAKE_NVCC = """#!/bin/sh
echo "Cuda compilation tools, release 13.0, V13.0.88"
"""


def fake(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def run(tmp_path: Path, gpu: bool, **env: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake(bin_dir / "python", FAKE_PYTHON)
    for tool in ("nvidia-smi", "nvcc"):
        (bin_dir / tool).unlink(missing_ok=True)
    if gpu:
        fake(bin_dir / "nvidia-smi", FAKE_NVIDIA_SMI)
        fake(bin_dir / "nvcc", FAKE_NVCC)
    wheel_dir = tmp_path / "venv" / "llama-wheel"
    full_env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "CALLS": str(tmp_path / "calls.log"),
        "STATE": str(tmp_path / "state"),
        **env,
    }
    done = subprocess.run(
        ["sh", str(SCRIPT), str(bin_dir / "python"), str(wheel_dir), "llama-cpp-python==0.3.36"],
        capture_output=True, text=True, env=full_env, timeout=60,
    )  # fmt: skip
    return done, wheel_dir


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_a_gpu_machine_gets_a_cuda_build_for_its_own_architecture(tmp_path: Path) -> None:
    done, wheel_dir = run(tmp_path, gpu=True)
    assert done.returncode == 0, done.stderr
    assert "building with CUDA 13.0 for 90-real" in done.stderr
    build = json.loads((wheel_dir / "build.json").read_text())
    assert build["backend"] == "cuda" and build["cuda_architectures"] == "90-real"
    calls = (tmp_path / "calls.log").read_text()
    assert "-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90-real" in calls
    assert "-DLLAVA_BUILD=OFF" in calls and "-mno-amx-int8" in calls
    # A second run reinstalls the kept wheel instead of compiling again.
    again, _ = run(tmp_path, gpu=True)
    assert "reinstalling the cuda build of 0.3.36" in again.stderr


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_a_failed_cuda_build_falls_back_to_the_cpu_in_one_line(tmp_path: Path) -> None:
    done, wheel_dir = run(tmp_path, gpu=True, FAIL_CUDA="1")
    assert done.returncode == 0, done.stderr
    fallback = [line for line in done.stderr.splitlines() if "CUDA build failed" in line]
    assert len(fallback) == 1 and "building for the CPU instead" in fallback[0]
    assert json.loads((wheel_dir / "build.json").read_text())["backend"] == "cpu"


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_no_gpu_means_a_cpu_build_without_cuda_flags(tmp_path: Path) -> None:
    done, wheel_dir = run(tmp_path, gpu=False)
    assert done.returncode == 0, done.stderr
    assert "building for the CPU (no nvcc or no NVIDIA GPU" in done.stderr
    assert "GGML_CUDA" not in (tmp_path / "calls.log").read_text()
    assert json.loads((wheel_dir / "build.json").read_text())["backend"] == "cpu"
