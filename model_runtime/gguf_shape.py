"""Check a GGUF's claimed shape against its tensor table before llama.cpp sees it.

llama.cpp trusts the header: a 440 KB file claiming `qwen3.block_count = 1,000,000,000`
made every later `ask`, `doctor` and `models info` die of SIGABRT, and a `context_length`
of four billion overflowed a 32-bit length. So the hyperparameters must lie in sane
bounds, the layers the header claims must be exactly the `blk.N` tensors the file holds,
the embedding tensor must have the claimed width, and every tensor's bytes must lie
inside the file. A refusal is a `ModelFileError`: one line, exit code 6.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_runtime.errors import ModelFileError

if TYPE_CHECKING:  # gguf_file calls this module's check; the types are only annotations
    from model_runtime.gguf_file import Header, TensorInfo

MAX_LAYERS = 1024  # the largest open models have under 200
MAX_CONTEXT = 1 << 24  # 16,777,216 tokens; the longest published context is 10M
MAX_WIDTH = 1 << 20  # embedding, feed-forward, heads, head size, experts
_BOUNDS = {
    "context_length": MAX_CONTEXT,
    "embedding_length": MAX_WIDTH,
    "feed_forward_length": MAX_WIDTH,
    "attention.head_count": MAX_WIDTH,
    "attention.head_count_kv": MAX_WIDTH,
    "attention.key_length": MAX_WIDTH,
    "attention.value_length": MAX_WIDTH,
    "expert_count": MAX_WIDTH,
    "expert_used_count": MAX_WIDTH,
    "expert_feed_forward_length": MAX_WIDTH,
}
# ggml type -> (elements per block, bytes per block), as gguf-py's GGML_QUANT_SIZES.
_TYPE_SIZES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 40), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176),
    14: (256, 210), 15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98),
    19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1),
    25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
    34: (256, 54), 35: (256, 66), 39: (32, 17),
}  # fmt: skip


def check_shape(name: str, header: Header) -> None:
    """Raise `ModelFileError` unless the header's shape is sane and its tensors bear it out."""
    metadata = header.metadata
    arch = str(metadata.get("general.architecture"))

    def refuse(reason: str) -> ModelFileError:
        return _refusal(name, reason)

    for key, bound in _BOUNDS.items():
        value = metadata.get(f"{arch}.{key}")
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= bound:
            raise refuse(f"{arch}.{key} = {value:,} is out of range (0 to {bound:,})")
    layers = metadata.get(f"{arch}.block_count")
    if not isinstance(layers, int) or isinstance(layers, bool) or not 0 < layers <= MAX_LAYERS:
        shown = f"{layers:,}" if isinstance(layers, int) else repr(layers)
        raise refuse(f"{arch}.block_count = {shown} is out of range (1 to {MAX_LAYERS:,})")
    held = _layer_numbers(header.tensors)
    if held != set(range(layers)):
        raise refuse(
            f"the header claims {layers:,} layers but the file holds tensors for {len(held):,}"
        )
    width = metadata.get(f"{arch}.embedding_length")
    for tensor in header.tensors:
        embedding = tensor.name == "token_embd.weight" and isinstance(width, int)
        if embedding and tensor.dims[0] != width:
            raise refuse(f"the embedding is {tensor.dims[0]:,} wide but the header says {width}")
        _check_extent(tensor, header, name)


def _layer_numbers(tensors: list[TensorInfo]) -> set[int]:
    numbers: set[int] = set()
    for tensor in tensors:
        parts = tensor.name.split(".")
        if len(parts) > 2 and parts[0] == "blk" and parts[1].isdigit():
            numbers.add(int(parts[1]))
    return numbers


def _refusal(name: str, reason: str) -> ModelFileError:
    return ModelFileError(f"refusing {name}: {reason}")


def _check_extent(tensor: TensorInfo, header: Header, name: str) -> None:
    """The tensor's bytes lie inside the file (a type this table does not know: its start)."""
    elements = 1
    for dim in tensor.dims:
        if dim <= 0:
            raise _refusal(name, f"tensor {tensor.name[:60]!r} has an empty dimension")
        elements *= dim
    per_block = _TYPE_SIZES.get(tensor.kind)
    nbytes = 0 if per_block is None else -(-elements // per_block[0]) * per_block[1]
    if header.data_start + tensor.offset + nbytes > header.file_size:
        raise _refusal(
            name, f"tensor {tensor.name[:60]!r} lies past the end of the file (truncated or forged)"
        )
