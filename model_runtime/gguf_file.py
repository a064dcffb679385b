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

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

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
_STRUCT = {fmt: struct.Struct(fmt) for fmt in {*_SCALARS.values(), "<I", "<Q"}}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024  # a chat template is a few KB; a vocabulary entry tens of bytes
MAX_NESTING = 8  # arrays of arrays: real files nest one level at most
MAX_DIMS = 4  # ggml tensors have at most four dimensions


class _Reader:
    """Reads the header from the file mapped into memory: a vocabulary is 150,000 strings, and
    a read call per string took 0.45 s for a Qwen3 header (each `ask` reads it up to three
    times); offsets into the mapping take a tenth of that."""

    def __init__(self, data: mmap.mmap, size: int, at: int) -> None:
        self._data = data
        self.size = size
        self.at = at

    def _take(self, n: int) -> int:
        start = self.at
        if n < 0 or start + n > self.size:
            raise ValueError("file ends inside the header")
        self.at = start + n
        return start

    def read(self, n: int) -> bytes:
        start = self._take(n)
        return self._data[start : start + n]

    def scalar(self, fmt: str) -> int | float | bool:
        layout = _STRUCT[fmt]
        value: int | float | bool = layout.unpack_from(self._data, self._take(layout.size))[0]
        return value

    def string(self) -> str:
        length = int(self.scalar("<Q"))
        if length > min(_MAX_STRING, self.size):
            raise ValueError("string longer than the file")
        return self.read(length).decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Past `count` strings without decoding them (a vocabulary that is not kept)."""
        data, at, size, length = self._data, self.at, self.size, _STRUCT["<Q"]
        for _ in range(count):
            if at + 8 > size:
                raise ValueError("file ends inside the header")
            at += 8 + length.unpack_from(data, at)[0]
            if at > size:
                raise ValueError("string longer than the file")
        self.at = at

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
            if count > self.size:
                raise ValueError("array longer than the file")
            if item_kind in _SCALARS and not keep:
                self._take(count * _STRUCT[_SCALARS[item_kind]].size)
                return count
            if item_kind == _STRING and not keep:
                self.skip_strings(count)
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
    try:
        with path.open("rb") as handle:
            if handle.read(4) != MAGIC:
                raise ModelFileError(f"not a GGUF model file: {path.name}")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _parse(_Reader(data, len(data), 4), path.name, keep_arrays, tensors)
    except (ValueError, struct.error, OSError, RecursionError) as exc:
        raise ModelFileError(f"corrupt GGUF model file {path.name}: {exc}") from exc


def _parse(reader: _Reader, name: str, keep_arrays: bool, tensors: bool) -> Header:
    size = reader.size
    version = int(reader.scalar("<I"))
    if version not in (2, 3):
        raise ModelFileError(f"unsupported GGUF version {version}: {name}")
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
    data_start = -(-reader.at // alignment) * alignment
    return Header(metadata, table, data_start, size)


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
