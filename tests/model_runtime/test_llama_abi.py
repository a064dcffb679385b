"""llama-cpp-python's ctypes copies of llama.h agree with the library it was built with.

A struct passed by value with a field out of place makes llama.cpp read garbage: a crash
far from the cause, possibly on one build type only (issue 17: the CUDA build segfaulted in
`llama_model_load_from_file`). `bench/llama_abi.py` compiles a tiny C program against the
headers the wheel installed and compares sizes, offsets, enum values and arities.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import llama_abi

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

# Training API (llama_opt_init) that Archivist never calls: the ctypes copy lacks the
# trailing `optimizer_type` field in 0.3.33-0.3.36. Listed so a new mismatch still fails.
KNOWN = {"struct llama_opt_params: sizeof ctypes 40 != C 48"}


@pytest.fixture(scope="module")
def bindings():  # type: ignore[no-untyped-def]
    import llama_cpp.llama_cpp as module

    include = llama_abi.installed_headers(module)
    assert include, "the llama-cpp-python wheel installs llama.h in site-packages/include"
    return module, include


def test_installed_bindings_match_the_headers_they_were_built_with(bindings) -> None:  # type: ignore[no-untyped-def]
    module, include = bindings
    report = llama_abi.compare(module, include)
    # The structs Archivist passes by value to llama.cpp are all among those compared.
    for name in ("llama_model_params", "llama_context_params", "llama_batch"):
        assert name in report.compared
    assert set(report.problems) - KNOWN == set()


def test_the_check_finds_a_moved_field_a_changed_enum_and_a_new_argument(
    bindings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    module, include = bindings
    copy = tmp_path / "include"
    shutil.copytree(include[0], copy)
    header = copy / "llama.h"
    text = header.read_text()
    edits = [
        (
            "        int32_t n_gpu_layers;",
            "        int32_t added_upstream;\n        int32_t n_gpu_layers;",
        ),
        ("LLAMA_SPLIT_MODE_ROW    = 2", "LLAMA_SPLIT_MODE_ROW    = 7"),
        (
            "LLAMA_API int32_t llama_decode(\n            struct llama_context * ctx,",
            "LLAMA_API int32_t llama_decode(\n            struct llama_context * ctx, int flags,",
        ),
    ]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    header.write_text(text)
    problems = "\n".join(llama_abi.compare(module, [copy]).problems)
    assert "llama_model_params.n_gpu_layers: offset ctypes 16 != C 20" in problems
    assert "LLAMA_SPLIT_MODE_ROW: Python 2 != C 7" in problems
    assert "llama_decode(): 2 ctypes arguments != 3 in C" in problems
