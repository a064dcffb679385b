"""Settings: defaults < `$ARCHIVIST_HOME/archivist.toml` < `ARCHIVIST_*` environment variables.

Built once at the entry point and passed down.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app.errors import ConfigError

ENV_PREFIX = "ARCHIVIST_"
SETTINGS_FILE = "archivist.toml"


def resolve_home() -> Path:
    """`$ARCHIVIST_HOME`, else the platform's user data folder. Read before the settings file."""
    env = os.environ.get(ENV_PREFIX + "HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("archivist"))


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
        None, description="Model to answer with: a GGUF path; default: the starter model."
    )
    context_length: int = Field(4096, ge=512, description="Model context window in tokens.")
    threads: int | None = Field(None, ge=1, description="CPU threads; default: all cores.")
    max_answer_tokens: int = Field(512, ge=16, description="Tokens reserved for the answer.")
    top_k: int = Field(5, ge=1, le=50, description="Evidence units (pages) offered per question.")
    reasoning_tokens: int = Field(
        1024, ge=0, description="Tokens reserved for reasoning in thinking mode."
    )
    context_mode: str = Field(
        "auto",
        pattern="^(auto|whole|evidence)$",
        description="whole documents, ranked evidence, or auto (whole when it fits).",
    )
    chunk_words: int = Field(160, ge=16, description="Words per chunk (fits MiniLM's window).")
    chunk_overlap: int = Field(24, ge=0, description="Words shared by neighbouring chunks.")

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
    try:
        _read_toml(path)
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "?"
        if error["type"] == "extra_forbidden":
            raise ConfigError(f"unknown setting '{field}' (in {path} or the environment)") from exc
        raise ConfigError(f"invalid setting '{field}': {error['msg']}") from exc


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


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
