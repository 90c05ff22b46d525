"""Settings: seed names, BUDDY_ names, .env, production refusal, and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buddy.config import (
    ConfigError,
    Environment,
    Settings,
    describe_settings,
    env_name,
    load_settings,
)

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_need_no_environment() -> None:
    settings = load_settings(_env_file=None)
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.port == 8000
    assert settings.openai_api_key is None
    assert settings.sqlite_path == Path("data") / "buddy.sqlite3"


def test_seed_and_prefixed_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-000000")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("ENVIRONMENT", "Production")
    monkeypatch.setenv("BUDDY_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("BUDDY_MAX_REQUEST_BYTES", "2048")
    monkeypatch.setenv("BUDDY_KEY_PEPPER", "pepper-for-tests")
    settings = load_settings(_env_file=None)
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test-not-a-real-key-000000"
    assert settings.port == 9001
    assert settings.is_production
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.max_request_bytes == 2048


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_NAME=fromdotenv\nBUDDY_LOG_LEVEL=debug\n")
    settings = load_settings(_env_file=env_file)
    assert settings.database_name == "fromdotenv"
    assert settings.log_level == "DEBUG"


def test_production_refuses_wildcard_cors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ConfigError, match="BUDDY_CORS_ORIGINS") as caught:
        load_settings(_env_file=None)
    assert "'*' is not allowed in production" in str(caught.value)


def test_production_needs_a_key_pepper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("BUDDY_CORS_ORIGINS", "https://buddy.example.com")
    with pytest.raises(ConfigError, match="BUDDY_KEY_PEPPER"):
        load_settings(_env_file=None)
    monkeypatch.setenv("BUDDY_KEY_PEPPER", "a-long-random-secret")
    assert load_settings(_env_file=None).is_production


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    monkeypatch.setenv("BUDDY_MAX_REQUEST_BYTES", "10")
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert "PORT:" in message
    assert "BUDDY_MAX_REQUEST_BYTES:" in message


def test_describe_masks_secrets() -> None:
    settings = Settings(
        _env_file=None,
        openai_api_key="sk-visible-would-be-bad-123456",
        mongodb_uri="mongodb+srv://user:pw@host/db",
    )
    shown = dict(describe_settings(settings))
    assert shown["OPENAI_API_KEY"] == "****"
    assert shown["MONGODB_URI"] == "****"
    assert shown["ARIZE_API_KEY"] == ""
    assert "sk-visible" not in repr(describe_settings(settings))


def _readme_setting_names() -> set[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- settings-table:start -->")
    end = text.index("<!-- settings-table:end -->")
    return set(re.findall(r"^\|\s*`([A-Z0-9_]+)`", text[start:end], flags=re.MULTILINE))


def test_readme_table_matches_settings_class() -> None:
    in_code = {env_name(name) for name in Settings.model_fields}
    in_readme = _readme_setting_names()
    assert in_readme - in_code == set(), "README documents settings the code does not have"
    assert in_code - in_readme == set(), "settings missing from the README table"
