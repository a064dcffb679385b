"""Tiny Qwen3-architecture GGUF files built with the `gguf` package, for real llama.cpp runs.

Real Qwen3 weights cannot be downloaded here, so tests write their own: a byte-level BPE
vocabulary (256 byte tokens, a few merges, the Qwen3 special tokens), one or two layers and
tiny dimensions. With every attention and feed-forward weight zero, the hidden state at a
position is just the embedding of its token, so the model is a *bigram machine*: the output
matrix decides which token follows which. A `script` (token -> next token) makes the model
write exactly what a test needs — a `<think>` block, an unclosed block, an endless loop —
through real llama.cpp sampling (the logits are so peaked that temperature does not matter).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
THINK_TAGS = ["<think>", "</think>"]
# The merges llama.cpp needs (it refuses a BPE vocabulary without any), chosen to be useful.
MERGES = [("Ċ", "Ċ"), ("i", "m"), ("a", "n"), ("e", "r"), ("t", "h"), ("Ġ", "t")]

# Qwen3's template reduced to what matters: ChatML turns, reasoning stripped from history,
# and the empty think block that `enable_thinking=False` puts in the generation prompt.
QWEN3_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- set content = message.content %}"
    "{%- if message.role == 'assistant' and '</think>' in content %}"
    "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}"
    "{%- endif %}"
    "{{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}"
)
# Qwen3-2507 thinking models open the block in the prompt and never write `<think>`.
QWEN3_2507_THINKING_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}"
)
# A ChatML template with no thinking switch, like most non-Qwen3 models.
PLAIN_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def byte_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map (what byte-level BPE stores)."""
    printable = list(range(ord("!"), ord("~") + 1))
    printable += list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def vocabulary() -> list[str]:
    byte_tokens = [byte_unicode()[b] for b in range(256)]
    return byte_tokens + [a + b for a, b in MERGES] + THINK_TAGS + SPECIALS


def text_token(piece: str) -> str:
    """The vocabulary entry for a piece of text (a byte, a merge or a tag)."""
    if piece in THINK_TAGS or piece in SPECIALS:
        return piece
    return "".join(byte_unicode()[b] for b in piece.encode("utf-8"))


def write_tiny_qwen3(
    path: Path,
    script: list[tuple[str, str]],
    *,
    arch: str = "qwen3",
    chat_template: str | None = QWEN3_TEMPLATE,
    context_length: int = 4096,
    n_embd: int = 256,
    n_layer: int = 1,
    seed: int = 0,
) -> Path:
    """Write a bigram-machine GGUF: after token `a` comes token `b` for each (a, b) in script.

    Tokens not in the script get a random next token (random output, still valid text).
    """
    import gguf

    vocab = vocabulary()
    index = {tok: i for i, tok in enumerate(vocab)}
    n_vocab = len(vocab)
    rng = np.random.default_rng(seed)
    embd = rng.standard_normal((n_vocab, n_embd)).astype(np.float32)
    embd /= np.sqrt(np.mean(embd**2, axis=1, keepdims=True))  # rms 1: norms leave it alone
    out = rng.standard_normal((n_vocab, n_embd)).astype(np.float32) * 0.01
    for before, after in script:
        out[index[text_token(after)]] += 4.0 * embd[index[text_token(before)]]

    n_head, n_head_kv, head_dim, n_ff = 4, 2, 32, 64
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name(f"tiny-{arch}")
    writer.add_context_length(context_length)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head_kv)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    if arch == "qwen3moe":
        writer.add_expert_count(4)
        writer.add_expert_used_count(2)
        writer.add_expert_feed_forward_length(n_ff)

    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(vocab)
    types = [gguf.TokenType.NORMAL] * (256 + len(MERGES))
    types += [gguf.TokenType.USER_DEFINED] * len(THINK_TAGS)
    types += [gguf.TokenType.CONTROL] * len(SPECIALS)
    writer.add_token_types(types)
    writer.add_token_merges([f"{a} {b}" for a, b in MERGES])
    writer.add_eos_token_id(index["<|im_end|>"])
    writer.add_bos_token_id(index["<|endoftext|>"])
    writer.add_pad_token_id(index["<|endoftext|>"])
    writer.add_add_bos_token(False)
    if chat_template is not None:
        writer.add_chat_template(chat_template)

    def zeros(*shape: int) -> np.ndarray:
        return np.zeros(shape, dtype=np.float32)

    writer.add_tensor("token_embd.weight", embd)
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", out)
    for i in range(n_layer):
        block = f"blk.{i}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"{block}.attn_q.weight", zeros(n_head * head_dim, n_embd))
        writer.add_tensor(f"{block}.attn_k.weight", zeros(n_head_kv * head_dim, n_embd))
        writer.add_tensor(f"{block}.attn_v.weight", zeros(n_head_kv * head_dim, n_embd))
        writer.add_tensor(f"{block}.attn_output.weight", zeros(n_embd, n_head * head_dim))
        writer.add_tensor(f"{block}.attn_q_norm.weight", np.ones(head_dim, dtype=np.float32))
        writer.add_tensor(f"{block}.attn_k_norm.weight", np.ones(head_dim, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        if arch == "qwen3moe":
            writer.add_tensor(f"{block}.ffn_gate_inp.weight", zeros(4, n_embd))
            writer.add_tensor(f"{block}.ffn_gate_exps.weight", zeros(4, n_ff, n_embd))
            writer.add_tensor(f"{block}.ffn_up_exps.weight", zeros(4, n_ff, n_embd))
            writer.add_tensor(f"{block}.ffn_down_exps.weight", zeros(4, n_embd, n_ff))
        else:
            writer.add_tensor(f"{block}.ffn_gate.weight", zeros(n_ff, n_embd))
            writer.add_tensor(f"{block}.ffn_up.weight", zeros(n_ff, n_embd))
            writer.add_tensor(f"{block}.ffn_down.weight", zeros(n_embd, n_ff))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def chain(*pieces: str) -> list[tuple[str, str]]:
    """Script pairs that make the model write `pieces` in order, each after the one before."""
    return list(zip(pieces, pieces[1:], strict=False))


# After the generation prompt ("...assistant\n"): think "abc", close, answer "XYZ", stop.
THINKING_SCRIPT = chain("\n", "<think>", "a", "b", "c", "</think>", "X", "Y", "Z", "<|im_end|>")
# The fast prompt ends "</think>\n\n" (one merged token): answer at once.
FAST_SCRIPT = chain("\n\n", "X", "Y", "Z", "<|im_end|>")
# A block that never closes: "abc" forever.
ENDLESS_THINKING_SCRIPT = chain("\n", "<think>", "a", "b", "c") + [("c", "a")]
