"""The Qwen3 registry, memory-based recommendation, and the llama.cpp settings we choose."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_runtime.errors import ModelError
from model_runtime.hardware import choose_settings, physical_cores, runtime_report
from model_runtime.llama_engine import LlamaCppEngine
from model_runtime.registry import QWEN3_FAMILY, family_model, known_file, recommend
from tests.conftest import installed_backend

GB = 10**9


def test_family_has_every_published_size_with_file_names() -> None:
    names = [m.name for m in QWEN3_FAMILY]
    assert names == [
        "Qwen3-0.6B",
        "Qwen3-1.7B",
        "Qwen3-4B",
        "Qwen3-8B",
        "Qwen3-14B",
        "Qwen3-32B",
        "Qwen3-30B-A3B",
    ]
    moe = family_model("qwen3-30b-a3b")
    assert moe is not None and moe.architecture == "qwen3moe" and moe.active_params_b < 4
    found = known_file("Qwen3-8B-Q4_K_M.gguf")
    assert found is not None and found[0].name == "Qwen3-8B" and found[1].size_gb > 4
    assert all(m.native_context == 32_768 and m.yarn_context == 131_072 for m in QWEN3_FAMILY)


@pytest.mark.parametrize(
    ("memory_gb", "context", "expected"),
    [
        (1, 8192, "Qwen3-0.6B"),
        (4, 8192, "Qwen3-0.6B"),  # 1.7B's weights + KV + headroom need 4.3 GB
        (8, 8192, "Qwen3-8B"),
        (8, 32768, "Qwen3-1.7B"),  # a long context eats the memory
        (16, 131072, "Qwen3-4B"),
        (24, 32768, "Qwen3-30B-A3B"),
        (64, 131072, "Qwen3-32B"),
    ],
)
def test_recommendation_by_memory(memory_gb: int, context: int, expected: str) -> None:
    assert recommend(memory_gb * GB, context).model.name == expected


def test_cpu_settings_for_a_native_context() -> None:
    settings = choose_settings(8192, 32_768, gpu_offload=False, threads=None)
    assert settings.gpu_layers == 0 and settings.threads == physical_cores()
    assert settings.flash_attention and settings.kv_cache_type == "f16" and not settings.yarn
    kwargs = settings.llama_kwargs()
    assert kwargs["flash_attn"] is True
    assert "rope_scaling_type" not in kwargs and "type_k" not in kwargs


def test_long_context_gets_yarn_and_q8_kv_and_gpu_offload() -> None:
    settings = choose_settings(131_072, 32_768, gpu_offload=True)
    kwargs = settings.llama_kwargs()
    assert kwargs["n_gpu_layers"] == -1
    assert (kwargs["rope_scaling_type"], kwargs["rope_freq_scale"], kwargs["yarn_orig_ctx"]) == (
        2,
        0.25,
        32_768,
    )
    assert kwargs["type_k"] == kwargs["type_v"] == 8  # q8_0
    with pytest.raises(ModelError, match="exceeds what YaRN reaches"):
        choose_settings(262_144, 32_768, gpu_offload=False)


def test_engine_past_native_context_runs_with_yarn(tiny_models: dict[str, Path]) -> None:
    engine = LlamaCppEngine(tiny_models["qwen3"], "tiny", context_length=8192, threads=1)
    assert engine.context_length == 8192
    assert engine.model_info.settings["yarn"] is True  # the tiny model's native context: 4096
    assert engine.model_info.settings["yarn_orig_ctx"] == 4096


@pytest.mark.parametrize("arch", ["qwen3", "qwen3moe"])
def test_qwen3_stated_40960_means_yarn_over_32768(tmp_path: Path, arch: str) -> None:
    """Qwen3 GGUFs say 40,960; YaRN factor 4 to 131,072 is over the native 32,768."""
    from tests.tiny_gguf import FAST_SCRIPT, write_tiny_qwen3

    path = write_tiny_qwen3(
        tmp_path / f"{arch}.gguf", FAST_SCRIPT, arch=arch, context_length=40_960
    )
    native = LlamaCppEngine(path, "tiny", context_length=32_768, threads=1)
    assert native.model_info.native_context_length == 32_768
    assert native.settings.yarn is False
    del native
    engine = LlamaCppEngine(path, "tiny", context_length=131_072, threads=1)
    kwargs = engine.settings.llama_kwargs()
    assert (kwargs["yarn_orig_ctx"], kwargs["rope_freq_scale"]) == (32_768, 0.25)
    assert engine.context_length == 131_072 and engine.settings.kv_cache_type == "q8_0"


def test_other_models_keep_their_stated_context(tmp_path: Path) -> None:
    from model_runtime.gguf_file import native_context

    assert native_context({"general.architecture": "llama", "llama.context_length": 40_960}) == (
        40_960
    )
    assert native_context({"general.architecture": "qwen3", "qwen3.context_length": 262_144}) == (
        262_144
    )


def test_runtime_report_names_the_build_and_memory() -> None:
    report = runtime_report(4096)
    build = report["build"]
    assert isinstance(build, dict) and build["backend"] == installed_backend()
    assert build["gpu_offload"] is (installed_backend() != "CPU")
    memory = report["memory"]
    assert isinstance(memory, dict) and int(memory["total"]) > 0
    recommended = report["recommended_model"]
    assert isinstance(recommended, dict) and str(recommended["file"]).startswith("Qwen3-")


def test_gpu_and_cpu_defaults_differ_only_where_the_gpu_bench_decides() -> None:
    from model_runtime.hardware import tuned

    cpu = choose_settings(8192, 32_768, gpu_offload=False, threads=2)
    gpu = choose_settings(8192, 32_768, gpu_offload=True, threads=2)
    assert (cpu.n_batch, cpu.n_ubatch, cpu.kv_disk) == (512, 512, "always")  # llama.cpp's
    assert (gpu.n_batch, gpu.n_ubatch, gpu.kv_disk) == (2048, 2048, "auto")
    assert gpu.llama_kwargs()["n_batch"] == gpu.llama_kwargs()["n_ubatch"] == 2048
    assert gpu.flash_attention and cpu.flash_attention
    assert tuned(gpu, n_ubatch=512, flash_attention=False).llama_kwargs()["n_ubatch"] == 512
    with pytest.raises(ModelError, match="unknown runtime setting"):
        tuned(gpu, n_batches=1)
    with pytest.raises(ModelError, match="kv_disk must be"):
        tuned(gpu, kv_disk="sometimes")


def test_restore_must_clearly_beat_recomputing() -> None:
    from model_runtime.hardware import restore_is_faster

    five_gb = 5 * 10**9  # an 8B model's 32K-token state at f16, about
    assert restore_is_faster(compute_s=600.0, state_bytes=five_gb)  # a CPU: minutes
    assert not restore_is_faster(compute_s=4.0, state_bytes=five_gb)  # a fast GPU: seconds
