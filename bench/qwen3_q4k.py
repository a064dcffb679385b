"""Write Qwen3-shaped GGUFs with random weights straight in Q4_K blocks (no F16 detour).

Speed depends on shapes, not on what the weights say, and real Qwen3 weights cannot be
downloaded here. Writing random Q4_K blocks directly (random 4-bit quants and 6-bit
sub-block scales, small finite super-block scales) makes an 8B-shaped file in seconds where
F16-then-quantize would take many minutes and twice the disk. Tensors stream to the file one
at a time, so memory stays at the largest tensor (the embedding, ~350 MB for Qwen3-8B); the
GGUF container is written with numpy alone, so a bare GPU machine can run this.

    python bench/qwen3_q4k.py 8b DIR        # also: 30b-a3b, tiny, tiny-moe

Shapes (config.json of the Qwen3 releases): 8B: 36 layers, 4,096 wide, 32/8 heads of 128,
FFN 12,288, untied output. 30B-A3B: 48 layers, 2,048 wide, 32/4 heads of 128, 128 experts of
768 with 8 used, untied. Both: a 151,936-token vocabulary. "tiny" shapes run on a CPU in
seconds, so the GPU benchmark can be tested anywhere.
"""

from __future__ import annotations

import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tiny_gguf import MERGES, QWEN3_TEMPLATE, SPECIALS, THINK_TAGS, vocabulary  # noqa: E402

QK_K, Q4_K_BYTES = 256, 144  # values per block, bytes per block (d, dmin, scales[12], qs[128])


@dataclass(frozen=True)
class Shape:
    name: str
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    n_ff: int  # dense FFN width, or one expert's width
    n_vocab: int = 151_936
    head_dim: int = 128
    n_expert: int = 0
    n_expert_used: int = 0
    n_ctx_train: int = 40_960  # what Qwen3 GGUFs say

    @property
    def arch(self) -> str:
        return "qwen3moe" if self.n_expert else "qwen3"


SHAPES = {
    "8b": Shape("Qwen3-8B", 36, 4096, 32, 8, 12_288),
    "30b-a3b": Shape("Qwen3-30B-A3B", 48, 2048, 32, 4, 768, n_expert=128, n_expert_used=8),
    # 4K trained context, so the tiny bench's longer context runs with YaRN, like 128K.
    "tiny": Shape("Qwen3-tiny", 2, 256, 4, 2, 512, n_vocab=2048, head_dim=64, n_ctx_train=4096),
    "tiny-moe": Shape(
        "Qwen3-tiny-moe",
        2,
        256,
        4,
        2,
        256,
        n_vocab=2048,
        head_dim=64,
        n_expert=4,
        n_expert_used=2,
        n_ctx_train=4096,
    ),
}


def q4_k_blocks(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random Q4_K data for a tensor of `shape` (rows..., row length): uint8 bytes.

    Each weight is d * scale * q - dmin * min with q in 0..15 and 6-bit scale and min; dmin is
    7.5 d so the weights centre near zero, and d is ~1e-4 so they stay within about +-0.1.
    """
    *rows, width = shape
    assert width % QK_K == 0, f"Q4_K needs rows in multiples of {QK_K}, not {width}"
    n_blocks = int(np.prod(rows)) * (width // QK_K)
    data = np.frombuffer(rng.bytes(n_blocks * Q4_K_BYTES), dtype=np.uint8).copy()
    blocks = data.reshape(n_blocks, Q4_K_BYTES)
    pool = rng.uniform(0.5e-4, 1.5e-4, size=4096).astype(np.float32)
    d = pool[np.arange(n_blocks) % pool.size]
    blocks[:, 0:2] = d.astype(np.float16).view(np.uint8).reshape(n_blocks, 2)
    blocks[:, 2:4] = (d * 7.5).astype(np.float16).view(np.uint8).reshape(n_blocks, 2)
    return data.reshape(*rows, width // QK_K * Q4_K_BYTES)


def tensors(shape: Shape) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, numpy-order shape, "q4_k" or "f32") for every tensor of the model."""
    e, hd = shape.n_embd, shape.head_dim
    out: list[tuple[str, tuple[int, ...], str]] = [
        ("token_embd.weight", (shape.n_vocab, e), "q4_k"),
        ("output_norm.weight", (e,), "f32"),
        ("output.weight", (shape.n_vocab, e), "q4_k"),  # untied, as in 8B and 30B-A3B
    ]
    for i in range(shape.n_layer):
        b = f"blk.{i}"
        out += [
            (f"{b}.attn_norm.weight", (e,), "f32"),
            (f"{b}.attn_q.weight", (shape.n_head * hd, e), "q4_k"),
            (f"{b}.attn_k.weight", (shape.n_head_kv * hd, e), "q4_k"),
            (f"{b}.attn_v.weight", (shape.n_head_kv * hd, e), "q4_k"),
            (f"{b}.attn_output.weight", (e, shape.n_head * hd), "q4_k"),
            (f"{b}.attn_q_norm.weight", (hd,), "f32"),
            (f"{b}.attn_k_norm.weight", (hd,), "f32"),
            (f"{b}.ffn_norm.weight", (e,), "f32"),
        ]
        if shape.n_expert:
            x, f = shape.n_expert, shape.n_ff
            out += [
                (f"{b}.ffn_gate_inp.weight", (x, e), "f32"),
                (f"{b}.ffn_gate_exps.weight", (x, f, e), "q4_k"),
                (f"{b}.ffn_up_exps.weight", (x, f, e), "q4_k"),
                (f"{b}.ffn_down_exps.weight", (x, e, f), "q4_k"),
            ]
        else:
            out += [
                (f"{b}.ffn_gate.weight", (shape.n_ff, e), "q4_k"),
                (f"{b}.ffn_up.weight", (shape.n_ff, e), "q4_k"),
                (f"{b}.ffn_down.weight", (e, shape.n_ff), "q4_k"),
            ]
    return out


def _f32(rng: np.random.Generator, name: str, dims: tuple[int, ...]) -> np.ndarray:
    if name.endswith("norm.weight"):
        return np.ones(dims, dtype=np.float32)
    return (rng.standard_normal(dims, dtype=np.float32) * 0.02).astype(np.float32)


# GGUF v3, written here with numpy alone (the `gguf` package needs PyYAML and more, which a
# bare GPU machine may lack). Value types and the 32-byte alignment are GGUF's defaults.
_U32, _I32, _F32, _BOOL, _STR, _ARR = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_Q4_K = 0, 12
ALIGN = 32


def _s(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _kv(key: str, value: object) -> bytes:
    if isinstance(value, bool):
        return _s(key) + struct.pack("<IB", _BOOL, value)
    if isinstance(value, int):
        return _s(key) + struct.pack("<II", _U32, value)
    if isinstance(value, float):
        return _s(key) + struct.pack("<If", _F32, value)
    if isinstance(value, str):
        return _s(key) + struct.pack("<I", _STR) + _s(value)
    assert isinstance(value, list) and value
    if isinstance(value[0], str):
        return _s(key) + struct.pack("<IIQ", _ARR, _STR, len(value)) + b"".join(map(_s, value))
    packed = np.asarray(value, dtype="<i4").tobytes()
    return _s(key) + struct.pack("<IIQ", _ARR, _I32, len(value)) + packed


def metadata(shape: Shape) -> dict[str, object]:
    base = vocabulary()
    filler = [f"<|filler_{i}|>" for i in range(shape.n_vocab - len(base))]
    vocab = base[: -len(SPECIALS)] + filler + SPECIALS  # specials near the end, as in Qwen3
    index = {tok: i for i, tok in enumerate(vocab)}
    types = [1] * (256 + len(MERGES)) + [4] * len(THINK_TAGS)  # normal, user-defined
    types += [1] * len(filler) + [3] * len(SPECIALS)  # control
    arch = shape.arch
    meta: dict[str, object] = {
        "general.architecture": arch,
        "general.name": f"{shape.name}-shaped-random-Q4_K",
        "general.file_type": 15,  # MOSTLY_Q4_K_M
        f"{arch}.context_length": shape.n_ctx_train,
        f"{arch}.embedding_length": shape.n_embd,
        f"{arch}.block_count": shape.n_layer,
        f"{arch}.feed_forward_length": shape.n_ff if not shape.n_expert else 6144,
        f"{arch}.attention.head_count": shape.n_head,
        f"{arch}.attention.head_count_kv": shape.n_head_kv,
        f"{arch}.attention.key_length": shape.head_dim,
        f"{arch}.attention.value_length": shape.head_dim,
        f"{arch}.attention.layer_norm_rms_epsilon": 1e-6,
        f"{arch}.rope.freq_base": 1_000_000.0,
        "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": "qwen2",
        "tokenizer.ggml.tokens": vocab,
        "tokenizer.ggml.token_type": types,
        "tokenizer.ggml.merges": [f"{a} {b}" for a, b in MERGES],
        "tokenizer.ggml.eos_token_id": index["<|im_end|>"],
        "tokenizer.ggml.bos_token_id": index["<|endoftext|>"],
        "tokenizer.ggml.add_bos_token": False,
        "tokenizer.chat_template": QWEN3_TEMPLATE,
    }
    if shape.n_expert:
        meta[f"{arch}.expert_count"] = shape.n_expert
        meta[f"{arch}.expert_used_count"] = shape.n_expert_used
        meta[f"{arch}.expert_feed_forward_length"] = shape.n_ff
    return meta


def _nbytes(dims: tuple[int, ...], kind: str) -> int:
    if kind == "q4_k":
        return int(np.prod(dims[:-1])) * dims[-1] // QK_K * Q4_K_BYTES
    return int(np.prod(dims)) * 4


def write(path: Path, shape: Shape, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    meta = metadata(shape)
    plan = tensors(shape)
    infos, offset = [], 0
    for name, dims, kind in plan:
        ggml_dims = dims[::-1]  # GGUF lists the row length first
        info = _s(name) + struct.pack(f"<I{len(dims)}Q", len(dims), *ggml_dims)
        infos.append(info + struct.pack("<IQ", GGML_Q4_K if kind == "q4_k" else GGML_F32, offset))
        offset += -(-_nbytes(dims, kind) // ALIGN) * ALIGN
    with path.open("wb") as out:
        out.write(b"GGUF" + struct.pack("<IQQ", 3, len(plan), len(meta)))
        out.write(b"".join(_kv(k, v) for k, v in meta.items()))
        out.write(b"".join(infos))
        out.write(b"\0" * (-out.tell() % ALIGN))
        for name, dims, kind in plan:
            data = q4_k_blocks(rng, dims) if kind == "q4_k" else _f32(rng, name, dims)
            out.write(data.tobytes())
            out.write(b"\0" * (-out.tell() % ALIGN))
    return path


def model_file(key: str, folder: Path) -> Path:
    """The file for a shape, written once and kept in `folder`."""
    shape = SHAPES[key]
    target = folder / f"{shape.name}-shaped-random-Q4_K.gguf"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    started = time.perf_counter()
    write(partial, shape)
    partial.replace(target)
    size = target.stat().st_size / 1e9
    print(
        f"wrote {target.name} ({size:.2f} GB) in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SHAPES:
        print(f"usage: qwen3_q4k.py {{{','.join(SHAPES)}}} DIR", file=sys.stderr)
        sys.exit(2)
    print(model_file(sys.argv[1], Path(sys.argv[2])))
