"""Read a GGUF file's header (metadata only) without loading the model.

Model files are untrusted input: before llama.cpp sees one, we check the magic, the version
and the architecture here, so a truncated, foreign or wrong-architecture file gives one clear
line instead of a crash inside C code. The reader is bounded: it stops at the first key it
cannot parse, never allocates more than the file could hold and never recurses deeper than
`MAX_NESTING` arrays. `check_gguf` also reads the tensor table and checks the claimed shape
against it (`model_runtime.gguf_shape`): llama.cpp aborts the process (SIGABRT) on a header
that claims a billion layers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from model_runtime.errors import ModelFileError

MAGIC = b"GGUF"
# Architectures llama.cpp runs that Archivist has chat templates and tests for.
SUPPORTED_ARCHITECTURES = frozenset({"qwen3", "qwen3moe", "qwen2", "llama"})

_SCALARS = {
    0: "<B",  # uint8
    1: "<b",  # int8
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",  # bool
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024  # a chat template is a few KB; a vocabulary entry tens of bytes
MAX_NESTING = 8  # arrays of arrays: real files nest one level at most
MAX_DIMS = 4  # ggml tensors have at most four dimensions


class _Reader:
    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle = handle
        self._size = size

    def read(self, n: int) -> bytes:
        data = self._handle.read(n)
        if len(data) != n:
            raise ValueError("file ends inside the header")
        return data

    def scalar(self, fmt: str) -> int | float | bool:
        value: int | float | bool = struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]
        return value

    def string(self) -> str:
        length = int(self.scalar("<Q"))
        if length > min(_MAX_STRING, self._size):
            raise ValueError("string longer than the file")
        return self.read(length).decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool, depth: int = 0) -> object:
        if depth > MAX_NESTING:
            raise ValueError(f"arrays nested deeper than {MAX_NESTING} levels")
        if kind in _SCALARS:
            return self.scalar(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = int(self.scalar("<I"))
            count = int(self.scalar("<Q"))
            if count > self._size:
                raise ValueError("array longer than the file")
            if item_kind in _SCALARS and not keep:
                self._handle.seek(count * struct.calcsize(_SCALARS[item_kind]), 1)
                return count
            items = [self.value(item_kind, keep, depth + 1) for _ in range(count)]
            return items if keep else count
        raise ValueError(f"unknown value type {kind}")


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dims: tuple[int, ...]
    kind: int  # the ggml type
    offset: int  # from the start of the data section


@dataclass(frozen=True)
class Header:
    metadata: dict[str, object]
    tensors: list[TensorInfo]
    data_start: int  # where the tensor data begins in the file
    file_size: int


def read_metadata(path: Path, keep_arrays: bool = False) -> dict[str, object]:
    """The header's key/value pairs; arrays (the vocabulary) become their length unless kept."""
    return read_header(path, keep_arrays, tensors=False).metadata


def read_header(path: Path, keep_arrays: bool = False, tensors: bool = True) -> Header:
    """The key/value pairs and (with `tensors`) the tensor table, bounded by the file size."""
    if not path.exists():
        raise ModelFileError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelFileError(f"not a model file: {path}")
    size = path.stat().st_size
    try:
        with path.open("rb") as handle:
            if handle.read(4) != MAGIC:
                raise ModelFileError(f"not a GGUF model file: {path.name}")
            reader = _Reader(handle, size)
            version = int(reader.scalar("<I"))
            if version not in (2, 3):
                raise ModelFileError(f"unsupported GGUF version {version}: {path.name}")
            n_tensors = int(reader.scalar("<Q"))
            n_kv = int(reader.scalar("<Q"))
            if n_kv > size or n_tensors > size:
                raise ValueError("more keys or tensors than bytes")
            metadata: dict[str, object] = {"GGUF.version": version}
            for _ in range(n_kv):
                key = reader.string()
                kind = int(reader.scalar("<I"))
                metadata[key] = reader.value(kind, keep_arrays)
            table = [_tensor_info(reader) for _ in range(n_tensors)] if tensors else []
            alignment = metadata.get("general.alignment", 32)
            if not isinstance(alignment, int) or not 0 < alignment <= 1 << 20:
                raise ValueError(f"bad alignment {alignment!r}")
            position = handle.tell()
            data_start = -(-position // alignment) * alignment
            return Header(metadata, table, data_start, size)
    except (ValueError, struct.error, OSError, RecursionError) as exc:
        raise ModelFileError(f"corrupt GGUF model file {path.name}: {exc}") from exc


def _tensor_info(reader: _Reader) -> TensorInfo:
    name = reader.string()
    n_dims = int(reader.scalar("<I"))
    if not 0 < n_dims <= MAX_DIMS:
        raise ValueError(f"tensor {name[:60]!r} has {n_dims} dimensions")
    dims = tuple(int(reader.scalar("<Q")) for _ in range(n_dims))
    kind = int(reader.scalar("<I"))
    offset = int(reader.scalar("<Q"))
    return TensorInfo(name, dims, kind, offset)


def check_gguf(path: Path) -> dict[str, object]:
    """Refuse a missing, non-GGUF, corrupt or unsupported-architecture file, or one whose
    claimed shape its tensors do not bear out; return its key/value pairs."""
    from model_runtime.gguf_shape import check_shape

    header = read_header(path)
    metadata = header.metadata
    arch = metadata.get("general.architecture")
    if not isinstance(arch, str):
        raise ModelFileError(f"corrupt GGUF model file {path.name}: no architecture")
    if arch not in SUPPORTED_ARCHITECTURES:
        supported = ", ".join(sorted(SUPPORTED_ARCHITECTURES))
        raise ModelFileError(
            f"{path.name} is a '{arch}' model; Archivist runs these architectures: {supported}"
        )
    check_shape(path.name, header)
    return metadata


# Qwen3 GGUFs (dense and MoE) say 40,960 = the native 32,768 + 8,192 tokens Qwen allows for
# the answer; Qwen's YaRN guidance (factor 4 -> 131,072) is over the native 32,768.
QWEN3_ARCHITECTURES = frozenset({"qwen3", "qwen3moe"})
QWEN3_STATED_CONTEXT = 40_960
QWEN3_NATIVE_CONTEXT = 32_768


def native_context(metadata: dict[str, object]) -> int | None:
    """The context length the model was trained for, from `<arch>.context_length`.

    For the Qwen3 family the stated 40,960 is read as the native 32,768 (see above); other
    values (Qwen3-2507's 262,144, other models) are taken as they are.
    """
    arch = metadata.get("general.architecture")
    value = metadata.get(f"{arch}.context_length")
    if not isinstance(value, int):
        return None
    if arch in QWEN3_ARCHITECTURES and value == QWEN3_STATED_CONTEXT:
        return QWEN3_NATIVE_CONTEXT
    return int(value)
