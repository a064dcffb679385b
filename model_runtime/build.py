"""What the installed llama.cpp build can do: CPU only, or GPU offload (CUDA or Metal)."""

from __future__ import annotations

import importlib.metadata
import platform


def llama_build() -> dict[str, object]:
    import llama_cpp

    offload = bool(llama_cpp.llama_supports_gpu_offload())
    if not offload:
        backend = "CPU"
    elif platform.system() == "Darwin":
        backend = "Metal"
    else:
        backend = "CUDA"
    return {
        "llama_cpp_python": importlib.metadata.version("llama-cpp-python"),
        "backend": backend,
        "gpu_offload": offload,
    }
