"""A JSON schema is bounded before llama.cpp sees it: recursion, depth, size, types, refs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import ExitCode
from model_runtime.errors import SchemaError
from model_runtime.schema_guard import check_schema
from tests.cli_runner import archivist, one_line_error

SELF_REF = {"type": "object", "properties": {"x": {"$ref": "#/properties/x"}}, "required": ["x"]}


def nested(levels: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        (SELF_REF, "recursive"),
        ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
         "recursive"),
        ({"type": "object", "properties": {"n": {"$ref": "#"}}}, "recursive"),
        ({"type": "object", "properties": {"x": {"$ref": "#/$defs/gone"}}}, "points at nothing"),
        ({"type": "object", "properties": {"x": {"$ref": "http://x.invalid/s.json"}}},
         "not local"),
        ({"type": "objekt"}, "unknown type"),
        ({"type": "object", "properties": ["x"]}, "'properties'"),
        ({"type": "object", "required": "x"}, "'required'"),
        (nested(5000), "deeper"),
        ({"enum": ["x" * 100] * 1000}, "too large"),
    ],
)  # fmt: skip
def test_refused_with_one_line(schema: dict[str, object], words: str) -> None:
    with pytest.raises(SchemaError, match=words):
        check_schema(schema)


def test_ordinary_schemas_pass() -> None:
    check_schema({"type": "object", "properties": {"capex": {"type": "integer"}}})
    check_schema(
        {
            "$defs": {"money": {"type": "object", "properties": {"usd": {"type": "number"}}}},
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/money"}, "b": {"$ref": "#/$defs/money"}},
            "required": ["a", "b"],
        }
    )
    check_schema(nested(20))


DEEP_TEXT = '{"type":"object","properties":{"a":' * 5000 + '{"type":"string"}' + "}}" * 5000


@pytest.mark.parametrize("text", [json.dumps(SELF_REF), DEEP_TEXT, '{"type": 5}'])
def test_ask_refuses_before_any_model_loads(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "schema.json"
    path.write_text(text)
    result = archivist("ask", "What was capex?", "--json-schema", str(path))
    assert result.returncode == ExitCode.INPUT
    assert "JSON schema" in one_line_error(result)


def test_engine_refuses_a_recursive_schema(tiny_models: dict[str, Path]) -> None:
    """Before the guard this call died with SIGSEGV inside llama.cpp's sampler."""
    from model_runtime.engine import GenerationLimits, Mode
    from model_runtime.llama_engine import LlamaCppEngine

    path = tiny_models["qwen3"]
    engine = LlamaCppEngine(path, path.stem, context_length=512, threads=1)
    limits = GenerationLimits(max_tokens=8, seed=1, json_schema=SELF_REF)
    with pytest.raises(SchemaError, match="recursive"):
        list(engine.stream([{"role": "user", "content": "q"}], Mode.FAST, limits))
