"""A pytest plugin: no secret a test uses may appear in anything the suite captures.

Every test's captured stdout, stderr and log records (its own, its servers' threads, its
subprocesses that write to the inherited streams) and its failure report are scanned for
  * the secret values the test files hold: string literals given to a key, pepper, token,
    password or secret (keyword arguments, `setenv`, dict entries, constants), `sk-...` keys
    and MongoDB URIs with a password, found by reading the test sources once per session;
  * values registered at run time with `register_secret`;
  * anything shaped like a magic key (`bk_` and 32 URL-safe characters), since those are made
    at run time and shown once.
A test whose captured output holds one fails, naming the secret's source, never its value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Generator, Iterable
from pathlib import Path

import pytest

MAGIC_KEY = re.compile(r"\bbk_[A-Za-z0-9_-]{32}")
_SECRET_NAME = re.compile(r"pepper|api_key|apikey|password|passwd|token|secret", re.IGNORECASE)
_CREDENTIAL_URI = re.compile(r"^mongodb(\+srv)?://[^/@:]+:[^/@]+@")
# Shorter literals ("pw", "x") would match ordinary text; no real test secret is that short.
_MIN_LENGTH = 8

_registered: dict[str, str] = {}


def register_secret(value: str, source: str = "registered at run time") -> str:
    """Add a value the suite must never print or log; returns it, for inline use."""
    if len(value) >= _MIN_LENGTH:
        _registered[value] = source
    return value


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _secret_literals(tree: ast.AST) -> Iterable[str]:
    """String literals the code binds to a secret-sounding name, or that look like keys."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and _SECRET_NAME.search(node.arg):
            yield from filter(None, [_literal(node.value)])
        elif isinstance(node, ast.Call) and len(node.args) == 2:
            name, text = (_literal(arg) for arg in node.args)
            if name and text and _SECRET_NAME.search(name):  # setenv("X_API_KEY", "...")
                yield text
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values, strict=True):
                name, text = _literal(key), _literal(item)
                if name and text and _SECRET_NAME.search(name):
                    yield text
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, text = node.targets[0], _literal(node.value)
            if isinstance(target, ast.Name) and text and _SECRET_NAME.search(target.id):
                yield text
        text = _literal(node)
        if text and (text.startswith("sk-") or _CREDENTIAL_URI.match(text)):
            yield text


def secrets_in_sources(root: Path) -> dict[str, str]:
    """Secret literals of every test file under `root`, with the file each came from."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for value in _secret_literals(tree):
            if len(value) >= _MIN_LENGTH:
                found.setdefault(value, str(path.relative_to(root.parent)))
    return found


def find_leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Where each secret found in `text` came from (the values themselves are not repeated)."""
    leaks = [f"a secret from {source}" for value, source in secrets.items() if value in text]
    leaks += ["a magic key (bk_...)" for _ in MAGIC_KEY.finditer(text)][:1]
    return leaks


class SecretsCheck:
    def __init__(self, tests_root: Path) -> None:
        self.known = secrets_in_sources(tests_root)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        # Later phases carry the sections of earlier ones too; each is scanned once.
        captured = "\n".join(
            content for name, content in report.sections if name.endswith(report.when)
        )
        if report.failed:
            captured += "\n" + report.longreprtext
        leaks = find_leaks(captured, self.known | _registered)
        if not leaks:
            return
        message = (
            f"{item.nodeid} ({report.when}): captured output holds "
            f"{', '.join(sorted(set(leaks)))}. Secrets must never be printed or logged."
        )
        # The captured sections would show the secret in the summary: drop them.
        report.sections = []
        if not report.failed:  # a failure keeps its own report
            report.outcome = "failed"
            report.longrepr = message


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SecretsCheck(Path(__file__).parent), "buddy-secrets-check")
