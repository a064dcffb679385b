from pathlib import Path

import pytest

from app.errors import ConfigError
from app.settings import load_settings, setting_sources


def test_defaults_live_in_the_home(archivist_home: Path) -> None:
    settings = load_settings()
    assert settings.home == archivist_home
    assert setting_sources(settings)["top_k"] == (5, "default")


def test_file_then_env_override(archivist_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archivist_home.mkdir(parents=True)
    (archivist_home / "archivist.toml").write_text("top_k = 7\ncontext_length = 2048\n")
    monkeypatch.setenv("ARCHIVIST_CONTEXT_LENGTH", "8192")
    settings = load_settings()
    sources = setting_sources(settings)
    assert settings.top_k == 7
    assert sources["top_k"][1].startswith("file ")
    assert settings.context_length == 8192
    assert sources["context_length"][1] == "env ARCHIVIST_CONTEXT_LENGTH"


def test_unknown_setting_in_file_is_named(archivist_home: Path) -> None:
    archivist_home.mkdir(parents=True)
    (archivist_home / "archivist.toml").write_text("topk = 3\n")
    with pytest.raises(ConfigError, match="unknown setting 'topk'"):
        load_settings()


def test_invalid_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_TOP_K", "0")
    with pytest.raises(ConfigError, match="top_k"):
        load_settings()
