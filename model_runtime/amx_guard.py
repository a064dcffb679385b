"""Keep llama.cpp's AMX kernels off the model's weights.

On Intel CPUs with AMX (Sapphire Rapids and later), a llama.cpp built natively repacks
quantized weights into an "AMX" buffer, and the first quantized matrix product then dies
in `ggml_backend_amx_mul_mat` (GCC 12 drops ggml's tile-config stores; ggml-org/llama.cpp
issue 20824; seen here with the pinned 0.3.36: the starter model crashed on its first
decode). `scripts/build_llama.sh` compiles llama.cpp without AMX; this guard covers any
other build (a wheel from pip's cache, someone else's install): when the loaded library
reports AMX, the model loads without extra buffer types, slower to prefill but correct.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

AMX_MARK = b"AMX_INT8 = 1"


def library_has_amx(llama_cpp: Any) -> bool:
    """True when the loaded llama.cpp was compiled with the AMX kernels."""
    return AMX_MARK in bytes(llama_cpp.llama_print_system_info())


@contextmanager
def weights_without_amx(llama_cpp: Any) -> Iterator[bool]:
    """Within the block, models load without extra buffer types if the build has AMX.

    llama-cpp-python's `Llama` takes its model parameters from
    `llama_model_default_params()` and offers no argument for `use_extra_bufts`, so the
    default is wrapped for the duration of the load. Yields whether the guard applied.
    """
    if not library_has_amx(llama_cpp):
        yield False
        return
    module = llama_cpp.llama_cpp
    default = module.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = default()
        params.use_extra_bufts = False
        return params

    module.llama_model_default_params = without_extra_buffers
    try:
        yield True
    finally:
        module.llama_model_default_params = default
