"""Choose how llama.cpp runs on this machine, and report it (`archivist doctor`).

GPU when the llama.cpp build can offload (all layers), else CPU with one thread per physical
core (hyperthreads slow llama.cpp down). Flash attention is always on (llama-cpp-python
defaults to off). Past 32K tokens the KV cache is stored as q8_0 (half the memory of f16),
and past the model's native context YaRN stretches RoPE by 4x (Qwen3: 32,768 -> 131,072).

By build type (CPU defaults are llama.cpp's and measured on CPUs; GPU defaults are the
candidates `bench/runtime.py --gpu` measures against the alternatives, issue 17):

| setting | CPU | GPU | why |
|---|---|---|---|
| batch / micro-batch | 512 / 512 | 2048 / 2048 | a GPU prefills faster in bigger matrix products |
| document KV on disk | always | auto | restoring GBs of state can be slower than recomputing |

"auto" saves a document's KV state only when recomputing it took clearly longer than reading
it back would (`restore_is_faster`); a CPU prefill (~30-600 tokens/s) always loses to the disk.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model_runtime.errors import ModelError

if TYPE_CHECKING:
    from model_runtime.context_size import ModelShape
    from model_runtime.prefill_probe import PrefillSample

QWEN3_NATIVE_CONTEXT = 32_768
YARN_FACTOR = 4
KV_QUANTIZE_ABOVE = 32_768
GGML_TYPE_Q8_0 = 8  # llama.cpp's enum value
ROPE_SCALING_YARN = 2
CPU_BATCH = 512  # llama.cpp's default batch and micro-batch
GPU_BATCH = 2048
# Read-back speed of a saved KV state (file read + copies into the KV cache), and how much
# faster than recomputing a restore must be to be worth a save. Measured on the 2-core VM: a
# 172 MB state cost ~0.85 s more than reusing it in memory (bench/RESULTS.md), ~0.2 GB/s;
# the GPU bench prints the GPU machine's figure (`restore_bytes_per_s` of its kv_disk case).
RESTORE_BYTES_PER_S = 0.2e9
RESTORE_MIN_SPEEDUP = 2.0
KV_DISK_POLICIES = ("always", "auto", "never")


@dataclass(frozen=True)
class RuntimeSettings:
    context_length: int
    threads: int
    gpu_layers: int
    flash_attention: bool
    kv_cache_type: str  # "f16" or "q8_0"
    yarn: bool
    rope_freq_scale: float
    yarn_orig_ctx: int
    n_batch: int = CPU_BATCH
    n_ubatch: int = CPU_BATCH
    kv_disk: str = "always"  # one of KV_DISK_POLICIES

    def llama_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `llama_cpp.Llama`."""
        kwargs: dict[str, Any] = {
            "n_ctx": self.context_length,
            "n_threads": self.threads,
            "n_threads_batch": self.threads,
            "n_gpu_layers": self.gpu_layers,
            "flash_attn": self.flash_attention,
            "n_batch": self.n_batch,
            "n_ubatch": self.n_ubatch,
        }
        if self.kv_cache_type == "q8_0":
            kwargs["type_k"] = GGML_TYPE_Q8_0
            kwargs["type_v"] = GGML_TYPE_Q8_0
        if self.yarn:
            kwargs["rope_scaling_type"] = ROPE_SCALING_YARN
            kwargs["rope_freq_scale"] = self.rope_freq_scale
            kwargs["yarn_orig_ctx"] = self.yarn_orig_ctx
        return kwargs

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def physical_cores() -> int:
    """Cores this process may use, counting hyperthread siblings once."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not allowed:
        return max(1, (os.cpu_count() or 2) // 2)
    cores: set[str] = set()
    for cpu in allowed:
        siblings = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list")
        try:
            cores.add(siblings.read_text().strip())
        except OSError:
            cores.add(str(cpu))
    return max(1, len(cores))


def choose_settings(
    requested_context: int,
    native_context: int | None,
    gpu_offload: bool,
    threads: int | None = None,
) -> RuntimeSettings:
    """The llama.cpp settings for a requested context on this machine."""
    native = native_context or QWEN3_NATIVE_CONTEXT
    yarn = requested_context > native
    if yarn and requested_context > native * YARN_FACTOR:
        raise ModelError(
            f"a context of {requested_context} tokens exceeds what YaRN reaches for this model "
            f"({native * YARN_FACTOR} = {native} x {YARN_FACTOR})"
        )
    batch = GPU_BATCH if gpu_offload else CPU_BATCH
    return RuntimeSettings(
        context_length=requested_context,
        threads=threads or physical_cores(),
        gpu_layers=-1 if gpu_offload else 0,
        flash_attention=True,
        kv_cache_type="q8_0" if requested_context > KV_QUANTIZE_ABOVE else "f16",
        yarn=yarn,
        rope_freq_scale=1.0 / YARN_FACTOR if yarn else 1.0,
        yarn_orig_ctx=native if yarn else 0,
        n_batch=batch,
        n_ubatch=batch,
        kv_disk="auto" if gpu_offload else "always",
    )


def tuned(settings: RuntimeSettings, **overrides: Any) -> RuntimeSettings:
    """The settings with some replaced (the GPU bench's alternatives); unknown names refused."""
    known = set(settings.as_dict())
    unknown = set(overrides) - known
    if unknown:
        raise ModelError(f"unknown runtime setting(s): {', '.join(sorted(unknown))}")
    if overrides.get("kv_disk", settings.kv_disk) not in KV_DISK_POLICIES:
        raise ModelError(f"kv_disk must be one of {', '.join(KV_DISK_POLICIES)}")
    if overrides.get("kv_cache_type", settings.kv_cache_type) not in ("f16", "q8_0"):
        raise ModelError("kv_cache_type must be f16 or q8_0")
    return replace(settings, **overrides)


def restore_is_faster(compute_s: float, state_bytes: int) -> bool:
    """Whether reading a saved state back beats computing it again, by a clear margin."""
    return state_bytes / RESTORE_BYTES_PER_S * RESTORE_MIN_SPEEDUP < compute_s


def memory_bytes() -> dict[str, int]:
    """Total and available RAM from /proc/meminfo (empty where that does not exist)."""
    result: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("MemTotal", "MemAvailable"):
                result[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return {"total": result.get("MemTotal", 0), "available": result.get("MemAvailable", 0)}


def nvidia_smi(field: str) -> list[str] | None:
    """`nvidia-smi --query-gpu=FIELD`, one value per visible NVIDIA GPU (local; no network);
    None where nvidia-smi is missing or fails."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--query-gpu={field}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [line.strip() for line in out.splitlines() if line.strip()]


def machine_identity(threads: int, backend: str) -> str:
    """What prefill speed depends on besides the model: CPU, cores used, backend, GPUs."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = "\n".join(nvidia_smi("name") or []) if backend != "CPU" else ""
    return f"{cpu} | {os.cpu_count()} cpus | {threads} threads | {backend} | {gpus}"


def gpu_memory_bytes() -> list[int]:
    """Each visible NVIDIA GPU's memory."""
    try:
        return [int(value) * 1024**2 for value in nvidia_smi("memory.total") or []]
    except ValueError:
        return []


def build_info() -> dict[str, object]:
    """What the installed llama.cpp can do: backend (CPU/CUDA/Metal) and its feature flags."""
    import llama_cpp

    system = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    if not offload:
        backend = "CPU"
    elif "CUDA" in system.upper():
        backend = "CUDA"
    elif platform.system() == "Darwin":
        backend = "Metal"
    else:
        backend = "GPU"
    return {
        "llama_cpp_python": getattr(llama_cpp, "__version__", "?"),
        "backend": backend,
        "gpu_offload": offload,
        "system_info": system.strip(),
    }


def runtime_report(
    requested_context: int,
    native_context: int | None = None,
    compute: tuple[ModelShape, PrefillSample] | None = None,
) -> dict[str, object]:
    """The runtime section of `archivist doctor`: build, memory, the settings we would use.

    `compute` (a model's shape and its measured prefill) lets the recommendation weigh
    this machine's speed as well as its memory.
    """
    from model_runtime.registry import recommend

    flops = compute[0].flops_per_s(compute[1]) if compute else None
    build = build_info()
    settings = choose_settings(requested_context, native_context, bool(build["gpu_offload"]))
    memory = memory_bytes()
    gpus = gpu_memory_bytes()
    usable = max(gpus) if gpus and build["gpu_offload"] else memory["available"]
    return {
        "build": build,
        "cpu": {
            "physical_cores": physical_cores(),
            "logical_cpus": os.cpu_count(),
            "machine": platform.machine(),
        },
        "memory": {**memory, "gpus": gpus},
        "settings": settings.as_dict(),
        "recommended_model": recommend(usable, requested_context, flops).as_dict(),
    }
