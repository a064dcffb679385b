"""`archivist models ...`, `doctor` and `ask --json-schema` through the installed command."""

from __future__ import annotations

import json
from pathlib import Path

from app.errors import ExitCode
from tests.cli_runner import archivist, one_line_error
from tests.conftest import installed_backend


def test_models_import_list_use_verify_and_a_tampered_file(
    archivist_home: Path, tiny_models: dict[str, Path]
) -> None:
    result = archivist("models", "import", str(tiny_models["qwen3"]), "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    imported = json.loads(result.stdout)
    sums = (archivist_home / "models" / "SHA256SUMS").read_text()
    assert f"{imported['sha256']}  tiny-qwen3.gguf" in sums

    listed = json.loads(archivist("models", "list", "--json", home=archivist_home).stdout)
    names = {item["name"]: item for item in listed["installed"]}
    assert names["smollm2-135m-starter"]["starter"] and names["smollm2-135m-starter"]["active"]
    assert "starter model" in names["smollm2-135m-starter"]["label"]
    assert "tiny-qwen3" in names
    assert [m["name"] for m in listed["family"]][-1] == "Qwen3-30B-A3B"

    assert archivist("models", "use", "tiny-qwen3", home=archivist_home).returncode == 0
    info = json.loads(archivist("models", "info", "--json", home=archivist_home).stdout)
    assert (info["name"], info["architecture"], info["supports_thinking"]) == (
        "tiny-qwen3",
        "qwen3",
        True,
    )
    verified = archivist("models", "verify", "--json", home=archivist_home)
    assert verified.returncode == 0, verified.stderr
    assert all(item["ok"] for item in json.loads(verified.stdout))

    model = archivist_home / "models" / "tiny-qwen3.gguf"
    data = bytearray(model.read_bytes())
    data[-5] ^= 0x01
    model.write_bytes(bytes(data))
    result = archivist("models", "info", home=archivist_home)
    assert result.returncode == ExitCode.MODEL
    assert "does not match its recorded SHA-256" in one_line_error(result)


def test_models_import_refuses_a_non_gguf(archivist_home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_text("definitely not a model")
    result = archivist("models", "import", str(fake), home=archivist_home)
    assert result.returncode == ExitCode.MODEL
    assert "not a GGUF" in one_line_error(result)


def test_doctor_json_has_runtime_and_model_sections(archivist_home: Path) -> None:
    result = archivist("doctor", "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["runtime"]["build"]["backend"] == installed_backend()
    assert report["runtime"]["settings"]["flash_attention"] is True
    assert report["model"]["ok"] and report["model"]["prefill_tokens_per_s"] > 0
    assert report["model"]["estimated_full_context_prefill_s"] > 0


def test_ask_with_a_json_schema_answers_json(
    archivist_home: Path, report_pdf: Path, tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    assert archivist("ingest", str(report_pdf), home=archivist_home).returncode == 0
    archivist("models", "import", str(tiny_models["qwen3"]), home=archivist_home)
    archivist("models", "use", "tiny-qwen3", home=archivist_home)
    schema = tmp_path / "capex.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {"capex_musd": {"type": "integer"}},
                "required": ["capex_musd"],
            }
        )
    )
    result = archivist(
        "ask", "What were capital expenditures?", "--json-schema", str(schema), "--json",
        "--seed", "1", home=archivist_home, env={"ARCHIVIST_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert isinstance(json.loads(answer["answer"])["capex_musd"], int)
    assert answer["usage"]["mode"] == "fast"

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = archivist("ask", "q", "--json-schema", str(bad), home=archivist_home)
    assert result.returncode == ExitCode.INPUT
    assert "not valid JSON" in one_line_error(result)
