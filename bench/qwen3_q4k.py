"""Write Qwen3-shaped GGUFs with random weights straight in Q4_K blocks (no F16 detour).

Speed depends on shapes, not on what the weights say, and real Qwen3 weights cannot be
downloaded here. Writing random Q4_K blocks directly (random 4-bit quants and 6-bit
sub-block scales, small finite super-block scales) makes an 8B-shaped file in seconds where
F16-then-quantize would take many minutes and twice the disk. Tensors stream to the file one
at a time, so memory stays at the largest tensor (the embedding, ~350 MB for Qwen3-8B).

    python bench/qwen3_q4k.py 8b DIR        # also: 30b-a3b, tiny, tiny-moe

Shapes (config.json of the Qwen3 releases): 8B: 36 layers, 4,096 wide, 32/8 heads of 128,
FFN 12,288, untied output. 30B-A3B: 48 layers, 2,048 wide, 32/4 heads of 128, 128 experts of
768 with 8 used, untied. Both: a 151,936-token vocabulary. "tiny" shapes run on a CPU in
seconds, so the GPU benchmark can be tested anywhere.
"""

from __future__ import annotations

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

    @property
    def arch(self) -> str:
        return "qwen3moe" if self.n_expert else "qwen3"


SHAPES = {
    "8b": Shape("Qwen3-8B", 36, 4096, 32, 8, 12_288),
    "30b-a3b": Shape("Qwen3-30B-A3B", 48, 2048, 32, 4, 768, n_expert=128, n_expert_used=8),
    "tiny": Shape("Qwen3-tiny", 2, 256, 4, 2, 512, n_vocab=2048, head_dim=64),
    "tiny-moe": Shape(
        "Qwen3-tiny-moe", 2, 256, 4, 2, 256, n_vocab=2048, head_dim=64, n_expert=4, n_expert_used=2
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


def write(path: Path, shape: Shape, seed: int = 0) -> Path:
    import gguf

    rng = np.random.default_rng(seed)
    base = vocabulary()
    filler = [f"<|filler_{i}|>" for i in range(shape.n_vocab - len(base))]
    vocab = base[: -len(SPECIALS)] + filler + SPECIALS  # specials near the end, as in Qwen3
    index = {tok: i for i, tok in enumerate(vocab)}

    writer = gguf.GGUFWriter(str(path), shape.arch)
    writer.add_name(f"{shape.name}-shaped-random-Q4_K")
    writer.add_context_length(40_960)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(shape.n_layer)
    writer.add_feed_forward_length(shape.n_ff if not shape.n_expert else 6144)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_key_length(shape.head_dim)
    writer.add_value_length(shape.head_dim)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_K_M)
    if shape.n_expert:
        writer.add_expert_count(shape.n_expert)
        writer.add_expert_used_count(shape.n_expert_used)
        writer.add_expert_feed_forward_length(shape.n_ff)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(vocab)
    types = [gguf.TokenType.NORMAL] * (256 + len(MERGES))
    types += [gguf.TokenType.USER_DEFINED] * len(THINK_TAGS)
    types += [gguf.TokenType.NORMAL] * len(filler) + [gguf.TokenType.CONTROL] * len(SPECIALS)
    writer.add_token_types(types)
    writer.add_token_merges([f"{a} {b}" for a, b in MERGES])
    writer.add_eos_token_id(index["<|im_end|>"])
    writer.add_bos_token_id(index["<|endoftext|>"])
    writer.add_add_bos_token(False)
    writer.add_chat_template(QWEN3_TEMPLATE)

    plan = tensors(shape)
    for name, dims, kind in plan:
        if kind == "q4_k":
            nbytes = int(np.prod(dims[:-1])) * dims[-1] // QK_K * Q4_K_BYTES
            byte_shape = (*dims[:-1], dims[-1] // QK_K * Q4_K_BYTES)
            writer.add_tensor_info(
                name, byte_shape, np.dtype(np.uint8), nbytes, gguf.GGMLQuantizationType.Q4_K
            )
        else:
            writer.add_tensor_info(name, dims, np.dtype(np.float32), int(np.prod(dims)) * 4)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for name, dims, kind in plan:
        data = q4_k_blocks(rng, dims) if kind == "q4_k" else _f32(rng, name, dims)
        writer.write_tensor_data(data)
    writer.close()
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
