"""Settings: defaults < `$ARCHIVIST_HOME/archivist.toml` < `ARCHIVIST_*` environment variables.

Built once at the entry point and passed down.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app.errors import ConfigError

ENV_PREFIX = "ARCHIVIST_"
SETTINGS_FILE = "archivist.toml"
# ARCHIVIST_* variables that are not settings: the progress switch, install.sh's prefix,
# the crash-test hook and the PostgreSQL test URL. Any other unknown one is a typo.
NOT_SETTINGS = {"PROGRESS", "PREFIX", "CRASH_AT", "TEST_PG_URL"}


def resolve_home() -> Path:
    """`$ARCHIVIST_HOME`, else the platform's user data folder. Read before the settings file."""
    env = os.environ.get(ENV_PREFIX + "HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("archivist"))


def default_onnx_cache() -> Path:
    """The embedder's ONNX exports, shared by every workspace of this user: `archivist setup`
    (run by `make setup` and install.sh) fills it, so no first ingest pays the export."""
    return Path(platformdirs.user_cache_dir("archivist")) / "onnx"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    home: Path = Field(default_factory=resolve_home, description="Workspace folder: all state.")
    catalogue_url: str | None = Field(
        None, description="SQLAlchemy URL of the catalogue; default: SQLite in the workspace."
    )
    embedder_path: Path | None = Field(
        None, description="Local sentence-transformers folder; default: bundled all-MiniLM-L6-v2."
    )
    model: str | None = Field(
        None,
        description="Model to answer with: an imported model name or a GGUF path; "
        "default: `archivist models use`, else the starter model.",
    )
    context_length: int | None = Field(
        None,
        ge=512,
        description="Model context window in tokens; default: the largest the model was "
        "trained for that fits the memory and the TTFT target here (see doctor).",
    )
    ttft_target_s: float = Field(
        30.0,
        gt=0,
        description="Time-to-first-token target: the automatic context is what this machine "
        "can read within it, from a measured prefill (cached per model and machine).",
    )
    threads: int | None = Field(
        None, ge=1, description="CPU threads, at most the cores here; default: all cores."
    )
    max_answer_tokens: int = Field(512, ge=16, description="Tokens reserved for the answer.")
    reasoning_budget: int = Field(
        1024,
        ge=0,
        description="Thinking mode: tokens reserved for reasoning in the prompt budget; "
        "when used up the thinking ends and the answer is forced (0: no limit).",
    )
    kv_cache_mb: int = Field(4096, ge=0, description="Disk bound of cache/kv (document KV states).")
    top_k: int = Field(5, ge=1, le=50, description="Evidence units (pages) offered per question.")
    search_method: Literal["dense", "hybrid", "bm25"] = Field(
        "dense",
        description="Chunk ranking: dense vectors, dense + BM25 fused (RRF), or BM25 alone.",
    )
    statements_first: bool = Field(
        True,
        description="Put the financial statement a question needs (capex: cash flows) first.",
    )
    context_mode: str = Field(
        "auto",
        pattern="^(auto|whole|evidence)$",
        description="whole documents, ranked evidence, or auto (whole when it fits).",
    )
    chunk_tokens: int = Field(
        224, ge=32, le=8192, description="Chunk size in the embedder's tokens (fits MiniLM 256)."
    )
    chunk_overlap: int = Field(
        32, ge=0, description="Tokens shared by chunks cut for size; below chunk_tokens."
    )
    embedder_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx-int8",
        description="Embedding runtime: torch, onnx (same vectors) or onnx-int8 (quantized); "
        "ONNX models are exported once (at setup) into the shared ONNX cache.",
    )
    onnx_cache: Path | None = Field(
        default_factory=default_onnx_cache,
        description="Where exported ONNX models are kept, shared by workspaces (default: "
        "onnx/ in the user cache folder, where setup exports the embedder).",
    )
    pdf_reader: Literal["pdfium", "pypdf"] = Field(
        "pdfium",
        description="PDF page-text reader: pdfium (pypdf where PDFium fails) or pypdf alone.",
    )
    embed_batch: int = Field(
        4,
        ge=1,
        description="Chunks per embedding batch. Small batches are fastest on a CPU (no "
        "padding, activations stay in cache): 2-core VM, ONNX int8, 54 chunks/s at 1, 50 at 4, "
        "30 at 32.",
    )
    ingest_workers: int | None = Field(
        None,
        ge=1,
        description="Parsing worker processes, at most the cores here; default: one per core.",
    )
    parse_timeout_s: float = Field(
        300.0, gt=0, description="Per-document parsing time limit; slower files are rejected."
    )
    parse_memory_mb: int = Field(
        2048, ge=128, description="Address-space cap of one parsing worker, in MB."
    )
    lock_wait_s: float = Field(
        600.0,
        gt=0,
        description="Seconds a command waits for another process's turn at the library "
        "(a write, or the index) before it gives up naming that process.",
    )
    qdrant_url: str | None = Field(
        None, description="Qdrant server or cluster URL; default: embedded Qdrant Edge."
    )
    qdrant_api_key: str | None = Field(None, description="API key for the Qdrant server.")

    @model_validator(mode="after")
    def _agree(self) -> Settings:
        """Settings that are each valid but not together, or beyond this machine, are refused
        here, before anything runs: an overlap as long as the chunk rejected every file later
        (for good), and 100,000 threads made `ask` hang while its memory grew."""
        problems = []
        if self.chunk_overlap >= self.chunk_tokens:
            problems.append(
                f"'chunk_overlap' is {self.chunk_overlap}: valid range 0 to "
                f"{self.chunk_tokens - 1} (below chunk_tokens, {self.chunk_tokens})"
            )
        cores = os.cpu_count() or 1
        for name in ("threads", "ingest_workers"):
            value = getattr(self, name)
            if value is not None and value > cores:
                problems.append(
                    f"'{name}' is {value}: valid range 1 to {cores} (the cores of this machine)"
                )
        if self.context_length is not None and self.max_answer_tokens >= self.context_length:
            problems.append(
                f"'max_answer_tokens' is {self.max_answer_tokens}: valid range 16 to "
                f"{self.context_length - 1} (below context_length, {self.context_length})"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=resolve_home() / SETTINGS_FILE)
        return (init_settings, env_settings, toml)


def settings_file() -> Path:
    return resolve_home() / SETTINGS_FILE


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning any problem into one `ConfigError` line."""
    path = settings_file()
    _check_environment()
    home = resolve_home()
    if home.exists() and not home.is_dir():
        raise ConfigError(f"ARCHIVIST_HOME {home} is a file, not a folder: point it at a folder")
    try:
        _read_toml(path)
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, path)) from exc
    return settings


def _validation_message(exc: ValidationError, path: Path) -> str:
    """Every problem at once, in one line: fixing them one run at a time wastes the runs."""
    messages = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            messages.append(f"unknown setting '{field or '?'}' (in {path} or the environment)")
        elif field:
            messages.append(f"invalid setting '{field}': {error['msg']}")
        else:  # the settings together (`Settings._agree`)
            text = str(error["msg"]).removeprefix("Value error, ")
            messages.append(f"invalid settings: {text}")
    return "; ".join(messages)


def _check_environment() -> None:
    """An unknown ARCHIVIST_* variable is a typo (as an unknown TOML key is), not ignored."""
    known = {name.upper() for name in Settings.model_fields} | NOT_SETTINGS
    for variable in sorted(os.environ):
        if not variable.startswith(ENV_PREFIX):
            continue
        name = variable[len(ENV_PREFIX) :]
        if name.upper() not in known:
            close = difflib.get_close_matches(name.upper(), sorted(known), n=1)
            hint = f" (did you mean {ENV_PREFIX}{close[0]}?)" if close else ""
            raise ConfigError(f"unknown setting in the environment: {variable}{hint}")


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path.name} is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}): save {path} as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def setting_sources(settings: Settings) -> dict[str, tuple[Any, str]]:
    """Each setting's effective value and where it came from: env, file or default."""
    file_values = _read_toml(settings_file())
    result: dict[str, tuple[Any, str]] = {}
    for name in Settings.model_fields:
        env_name = ENV_PREFIX + name.upper()
        if env_name in os.environ:
            source = f"env {env_name}"
        elif name in file_values:
            source = f"file {settings_file()}"
        else:
            source = "default"
        result[name] = (getattr(settings, name), source)
    return result
