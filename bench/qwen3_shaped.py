"""Write a Qwen3-0.6B-shaped GGUF with random weights, quantized to Q4_K_M by llama.cpp.

Real Qwen3 weights cannot be downloaded here, but speed depends on shapes, not on what the
weights say: 28 layers, 1024 wide, 16 query / 8 KV heads of 128, 3072 FFN, a 151,936-token
vocabulary with tied embeddings, as in Qwen3-0.6B. The vocabulary is byte-level BPE padded
with filler tokens to the real size, so the output layer costs what it really costs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tiny_gguf import MERGES, QWEN3_TEMPLATE, SPECIALS, THINK_TAGS, vocabulary  # noqa: E402

N_VOCAB, N_EMBD, N_LAYER, N_HEAD, N_HEAD_KV, HEAD_DIM, N_FF = 151_936, 1024, 28, 16, 8, 128, 3072
LLAMA_FTYPE_MOSTLY_Q4_K_M = 15


def write_f16(path: Path, seed: int = 0) -> None:
    import gguf

    rng = np.random.default_rng(seed)
    base = vocabulary()
    filler = [f"<|filler_{i}|>" for i in range(N_VOCAB - len(base))]
    # Fillers go before the specials so special token ids stay near the end, as in Qwen3.
    vocab = base[: -len(SPECIALS)] + filler + SPECIALS
    index = {tok: i for i, tok in enumerate(vocab)}

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float16)

    def ones(n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float32)

    writer = gguf.GGUFWriter(str(path), "qwen3")
    writer.add_name("Qwen3-0.6B-shaped-random")
    writer.add_context_length(40_960)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_key_length(HEAD_DIM)
    writer.add_value_length(HEAD_DIM)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
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
    writer.add_tensor("token_embd.weight", rand(N_VOCAB, N_EMBD))  # tied output, as 0.6B
    writer.add_tensor("output_norm.weight", ones(N_EMBD))
    for i in range(N_LAYER):
        b = f"blk.{i}"
        writer.add_tensor(f"{b}.attn_norm.weight", ones(N_EMBD))
        writer.add_tensor(f"{b}.attn_q.weight", rand(N_HEAD * HEAD_DIM, N_EMBD))
        writer.add_tensor(f"{b}.attn_k.weight", rand(N_HEAD_KV * HEAD_DIM, N_EMBD))
        writer.add_tensor(f"{b}.attn_v.weight", rand(N_HEAD_KV * HEAD_DIM, N_EMBD))
        writer.add_tensor(f"{b}.attn_output.weight", rand(N_EMBD, N_HEAD * HEAD_DIM))
        writer.add_tensor(f"{b}.attn_q_norm.weight", ones(HEAD_DIM))
        writer.add_tensor(f"{b}.attn_k_norm.weight", ones(HEAD_DIM))
        writer.add_tensor(f"{b}.ffn_norm.weight", ones(N_EMBD))
        writer.add_tensor(f"{b}.ffn_gate.weight", rand(N_FF, N_EMBD))
        writer.add_tensor(f"{b}.ffn_up.weight", rand(N_FF, N_EMBD))
        writer.add_tensor(f"{b}.ffn_down.weight", rand(N_EMBD, N_FF))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def qwen3_0_6b_q4_k_m(folder: Path, threads: int) -> Path:
    """The quantized file, built once and kept in `folder`."""
    import llama_cpp

    target = folder / "Qwen3-0.6B-shaped-random-Q4_K_M.gguf"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    f16 = folder / "Qwen3-0.6B-shaped-random-F16.gguf"
    started = time.perf_counter()
    write_f16(f16)
    print(f"wrote {f16.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    params = llama_cpp.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = LLAMA_FTYPE_MOSTLY_Q4_K_M
    started = time.perf_counter()
    partial = target.with_suffix(".partial")
    code = llama_cpp.llama_model_quantize(
        str(f16).encode(), str(partial).encode(), llama_cpp.ctypes.byref(params)
    )
    if code != 0:
        raise RuntimeError(f"llama.cpp quantization failed with code {code}")
    partial.replace(target)
    f16.unlink()
    print(f"quantized to Q4_K_M in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return target


if __name__ == "__main__":
    print(qwen3_0_6b_q4_k_m(ROOT / "bench" / ".models", threads=2))
