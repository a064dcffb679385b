"""The AMX guard: models load without extra buffer types only where the build has AMX."""

from __future__ import annotations

import llama_cpp

from model_runtime.amx_guard import library_has_amx, weights_without_amx


def test_the_guard_turns_extra_buffers_off_only_for_an_amx_build_and_restores_them() -> None:
    has_amx = library_has_amx(llama_cpp)
    assert has_amx == (b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info())
    with weights_without_amx(llama_cpp) as applied:
        assert applied is has_amx
        inside = llama_cpp.llama_cpp.llama_model_default_params()
        assert inside.use_extra_bufts is (not has_amx)
    after = llama_cpp.llama_cpp.llama_model_default_params()
    assert after.use_extra_bufts is True


class _FakeParams:
    use_extra_bufts = True


class _FakeLibrary:
    """A stand-in library that reports AMX, to exercise the guard on any CPU."""

    def __init__(self) -> None:
        self.llama_cpp = self

    def llama_print_system_info(self) -> bytes:
        return b"CPU : AVX512 = 1 | AMX_INT8 = 1 | "

    def llama_model_default_params(self) -> _FakeParams:
        return _FakeParams()


def test_an_amx_build_loads_weights_without_extra_buffers() -> None:
    library = _FakeLibrary()
    original = library.llama_model_default_params
    with weights_without_amx(library) as applied:
        assert applied
        assert library.llama_model_default_params().use_extra_bufts is False
    assert library.llama_model_default_params == original
