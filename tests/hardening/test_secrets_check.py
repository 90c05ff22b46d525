"""The secrets check finds what it is meant to find (the check itself runs on every test)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from tests.secrets_check import find_leaks, register_secret, secrets_in_sources

# Found by reading this file: a constant whose name says it is a token.
LEAKED_TOKEN = "tok-deliberately-leaked-7f3a9c"  # noqa: S105 - a test value, by design


def test_a_value_logged_by_a_throwaway_logger_is_caught() -> None:
    known = secrets_in_sources(Path(__file__).parents[1])
    assert known[LEAKED_TOKEN] == "tests/hardening/test_secrets_check.py"
    stream = io.StringIO()
    logger = logging.getLogger("secrets-check-throwaway")
    logger.propagate = False  # kept away from the suite's own capture, which would fail too
    logger.addHandler(logging.StreamHandler(stream))
    logger.warning("connecting with token=%s", LEAKED_TOKEN)
    assert find_leaks(stream.getvalue(), known) == [
        "a secret from tests/hardening/test_secrets_check.py"
    ]
    assert find_leaks("connecting with token=<hidden>", known) == []


def test_magic_keys_and_registered_values_are_caught(tmp_path: Path) -> None:
    magic_key = "bk_" + "A1b2C3d4" * 4
    assert find_leaks(f"created {magic_key}", {}) == ["a magic key (bk_...)"]
    runtime = register_secret("made-at-run-time-42", "this test")
    assert find_leaks(f"value {runtime}", {runtime: "this test"}) == ["a secret from this test"]


def test_the_sources_yield_every_kind_of_secret_literal(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_example.py").write_text(
        "PEPPER = 'pepper-from-constant'\n"
        "settings(key_pepper='pepper-from-keyword', label='not-a-secret-at-all')\n"
        "monkeypatch.setenv('PHOENIX_API_KEY', 'phoenix-from-setenv')\n"
        "env = {'ARIZE_API_KEY': 'arize-from-dict', 'COLUMNS': '200000000'}\n"
        "client('sk-anywhere-in-the-code', 'mongodb://app:hunter2hunter2@db/buddy')\n"
        "short = {'TOKEN': 'pw'}\n"
    )
    assert set(secrets_in_sources(tests)) == {
        "pepper-from-constant",
        "pepper-from-keyword",
        "phoenix-from-setenv",
        "arize-from-dict",
        "sk-anywhere-in-the-code",
        "mongodb://app:hunter2hunter2@db/buddy",
    }
