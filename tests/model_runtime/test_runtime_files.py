"""Model files as untrusted input: header checks, import, SHA-256 verification, KV cache."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from model_runtime.engine import GenerationLimits, Message, Mode
from model_runtime.errors import ModelFileError
from model_runtime.events import Usage
from model_runtime.gguf_file import check_gguf, read_header, read_metadata
from model_runtime.kv_cache import KvCache
from model_runtime.llama_engine import LlamaCppEngine
from model_runtime.model_store import ModelStore


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as raised:
        LlamaCppEngine(tmp_path / "absent.gguf", "absent")
    assert "not found" in one_line(raised)


def test_non_gguf_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 this is a zip, not a model" * 10)
    with pytest.raises(ModelFileError) as raised:
        LlamaCppEngine(fake, "fake")
    assert "not a GGUF" in one_line(raised)


def test_truncated_gguf_is_refused(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_models["qwen3"].read_bytes()[:3000])
    with pytest.raises(ModelFileError) as raised:
        LlamaCppEngine(cut, "cut")
    assert "corrupt" in one_line(raised) or "could not load" in one_line(raised)


def test_absurd_header_counts_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + b"\xff" * 16)
    with pytest.raises(ModelFileError) as raised:
        check_gguf(bad)
    assert "corrupt" in one_line(raised)


def test_wrong_architecture_is_refused(tmp_path: Path) -> None:
    import gguf
    import numpy as np

    path = tmp_path / "encoder.gguf"
    writer = gguf.GGUFWriter(str(path), "bert")
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ModelFileError) as raised:
        LlamaCppEngine(path, "encoder")
    assert "'bert' model" in one_line(raised)


def test_import_records_hash_and_verify_is_cheap_until_the_file_changes(
    tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    store = ModelStore(tmp_path / "models")
    entry = store.import_file(tiny_models["qwen3"])
    assert entry.path.parent == store.folder and entry.path.read_bytes()[:4] == b"GGUF"
    line = store.sums_path.read_text().strip()
    assert line == f"{entry.sha256}  {entry.path.name}"
    assert [e.name for e in store.installed()] == [entry.name]

    assert store.verify(entry).rehashed is False  # import already hashed it
    assert store.verify(entry, force=True).rehashed is True

    data = bytearray(entry.path.read_bytes())
    data[-10] ^= 0xFF  # same size, one weight byte flipped
    entry.path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError) as raised:
        store.verify(entry)
    assert "does not match its recorded SHA-256" in one_line(raised)


def test_import_refuses_a_non_gguf_and_leaves_nothing(tmp_path: Path) -> None:
    fake = tmp_path / "fake.gguf"
    fake.write_text("not a model")
    store = ModelStore(tmp_path / "models")
    with pytest.raises(ModelFileError):
        store.import_file(fake)
    assert list(store.folder.iterdir()) == []


def test_use_and_find(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    store = ModelStore(tmp_path / "models")
    entry = store.import_file(tiny_models["qwen3"])
    assert store.use(entry.name).path == entry.path
    assert store.active_name() == entry.name
    with pytest.raises(ModelFileError, match="no model named"):
        store.find("Qwen3-32B-Q4_K_M")


def document_prompt(question: str) -> list[Message]:
    report = "Capital expenditures were 412 million dollars in fiscal 2023. " * 12
    return [
        {"role": "system", "content": "Answer from the sources."},
        {"role": "user", "content": f"Sources:\n\n{report}\n\nQuestion: {question}"},
    ]


def usage_of(engine: LlamaCppEngine, question: str) -> Usage:
    events = list(engine.stream(document_prompt(question), Mode.FAST, GenerationLimits(8)))
    usage = events[-1]
    assert isinstance(usage, Usage)
    return usage


def test_document_prefix_kv_state_is_saved_and_restored_across_processes(
    tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    cache = KvCache(tmp_path / "kv")
    path = tiny_models["qwen3"]

    def engine() -> LlamaCppEngine:
        return LlamaCppEngine(path, "tiny", 2048, threads=1, model_id="m1", kv_cache=cache)

    first = usage_of(engine(), "What was capex?")
    assert first.cached_tokens == 0 and first.prompt_eval_tokens == first.prompt_tokens
    assert len(cache.entries()) == 1

    # A fresh engine (as after a restart) asks another question over the same report.
    question = "How did capex change from the year before?"
    second = usage_of(engine(), question)
    assert second.cached_tokens > 600
    own_tokens = engine().count_tokens(f"Question: {question}")
    assert second.prompt_eval_tokens <= own_tokens + 20  # the question + the turn tail (~16)
    assert second.prompt_tokens == second.cached_tokens + second.prompt_eval_tokens

    # Another model never gets this model's state.
    other = LlamaCppEngine(path, "tiny", 2048, threads=1, model_id="m2", kv_cache=cache)
    assert usage_of(other, question).cached_tokens == 0


def test_kv_cache_is_bounded_with_lru_eviction(tmp_path: Path) -> None:
    cache = KvCache(tmp_path / "kv", max_bytes=2500)
    for key in ("a", "b", "c"):
        cache.save(key, [1, 2, 3], bytes(1000))
        os.utime(cache.folder / f"{key}.kvstate", (0, {"a": 1, "b": 2, "c": 3}[key]))
        cache.evict()
    assert cache.load("a") is None  # least recently used, evicted
    assert cache.load("b") is not None and cache.load("c") is not None
    assert cache.size_bytes() <= 2500


def test_broken_kv_entry_is_a_miss(tmp_path: Path) -> None:
    cache = KvCache(tmp_path / "kv")
    cache.save("k", [1, 2], b"state")
    path = cache.folder / "k.kvstate"
    path.write_bytes(path.read_bytes()[:-2])
    assert cache.load("k") is None
    shutil.rmtree(cache.folder)
    assert cache.load("k") is None


@pytest.mark.parametrize(
    ("policy", "restore_bytes_per_s", "saved"),
    [
        ("auto", 1.0, False),  # reading back at 1 byte/s never beats recomputing
        ("auto", 1e15, True),  # an instant read always does
        ("never", 1e15, False),
        ("always", 1.0, True),
    ],
)
def test_kv_disk_policy_decides_whether_the_prefix_state_is_saved(
    tmp_path: Path,
    tiny_models: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    policy: str,
    restore_bytes_per_s: float,
    saved: bool,
) -> None:
    monkeypatch.setattr("model_runtime.hardware.RESTORE_BYTES_PER_S", restore_bytes_per_s)
    cache = KvCache(tmp_path / "kv")
    engine = LlamaCppEngine(
        tiny_models["qwen3"], "tiny", 2048, threads=1, model_id="m1", kv_cache=cache,
        overrides={"kv_disk": policy},
    )  # fmt: skip
    assert engine.settings.kv_disk == policy
    usage_of(engine, "What was capex?")
    assert len(cache.entries()) == (1 if saved else 0)


def test_the_header_reads_as_gguf_py_reads_it(tiny_models: dict[str, Path]) -> None:
    """Our bounded reader (vocabularies skipped, not decoded) against the gguf package's:
    every key, each array's length and where the tensor data starts."""
    import gguf

    path = tiny_models["qwen3"]
    reference = gguf.GGUFReader(str(path))
    header = read_header(path)
    assert header.data_start == reference.data_offset
    assert len(header.tensors) == len(reference.tensors)
    for name, field in reference.fields.items():
        if name.startswith("GGUF."):
            continue
        ours = header.metadata[name]
        if field.types[0] == gguf.GGUFValueType.ARRAY:
            assert ours == len(field.data), name
        else:
            assert ours == field.contents(), name
    kept = read_metadata(path, keep_arrays=True)["tokenizer.ggml.tokens"]
    assert kept == reference.fields["tokenizer.ggml.tokens"].contents()


@pytest.mark.parametrize("cut", [650, 700, 1500, 2500, 4000])
def test_a_vocabulary_cut_short_is_refused(
    tmp_path: Path, tiny_models: dict[str, Path], cut: int
) -> None:
    """The vocabulary is skipped string by string: a file that ends inside it (or inside
    the keys around it) is a one-line refusal."""
    data = tiny_models["qwen3"].read_bytes()
    short = tmp_path / "short.gguf"
    short.write_bytes(data[:cut])
    with pytest.raises(ModelFileError) as raised:
        check_gguf(short)
    assert "corrupt" in one_line(raised)


def test_a_vocabulary_string_longer_than_the_file_is_refused(
    tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    data = tiny_models["qwen3"].read_bytes()
    forged = bytearray(data)
    at = data.index(b"tokenizer.ggml.tokens") + len("tokenizer.ggml.tokens") + 4 + 4 + 8
    struct.pack_into("<Q", forged, at, len(data) * 2)  # the first token's length
    (tmp_path / "forged.gguf").write_bytes(bytes(forged))
    with pytest.raises(ModelFileError) as raised:
        check_gguf(tmp_path / "forged.gguf")
    assert "corrupt" in one_line(raised)
