"""`buddy nuget ...` as an operator runs it: a real process reading the fake source."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.runner import run_buddy
from tests.fixtures.nuget_packages import ADVISORY, CHAT, VECTORS
from tests.fixtures.nuget_server import NuGetServerState

Server = tuple[str, NuGetServerState]


def nuget_env(index_url: str) -> dict[str, str]:
    return {
        "BUDDY_NUGET_SERVICE_INDEX": index_url,
        "BUDDY_NUGET_TIMEOUT_SECONDS": "1",
        "COLUMNS": "200",
    }


def test_search_prints_a_table_trusted_first(tmp_path: Path, nuget: Server) -> None:
    index_url, _ = nuget
    result = run_buddy("nuget", "search", "contoso chat", cwd=tmp_path, env=nuget_env(index_url))
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "Contoso" in line]
    assert [row.split()[1] for row in rows] == [
        CHAT,
        "Contoso.Chat.Tool",
        "Contoso.AI.Chat.Community",
    ]
    assert "2,500,000" in rows[0]
    assert "3 of 3 matches" in result.stdout
    as_json = run_buddy(
        "nuget", "search", "vectors", "--json", cwd=tmp_path, env=nuget_env(index_url)
    )
    assert [p["id"] for p in json.loads(as_json.stdout)["packages"]] == [VECTORS]


def test_show_prints_versions_risks_and_the_install_line(tmp_path: Path, nuget: Server) -> None:
    index_url, _ = nuget
    result = run_buddy("nuget", "show", CHAT, cwd=tmp_path, env=nuget_env(index_url))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"dotnet add package {CHAT} --version 2.1.0" in text
    assert "license: MIT (expression)" in text
    assert "deprecated (Legacy, CriticalBugs)" in text
    assert "High vulnerability" in text
    assert "GetResponseAsync" in text  # the README
    vulnerable = run_buddy(
        "nuget", "show", CHAT, "--version", "1.1.0", cwd=tmp_path, env=nuget_env(index_url)
    )
    assert f"vulnerable: High severity, advisory {ADVISORY}" in vulnerable.stdout


def test_errors_are_one_line_with_exit_code_1(tmp_path: Path, nuget: Server) -> None:
    index_url, state = nuget
    env = nuget_env(index_url)
    unknown = run_buddy("nuget", "show", "No.Such.Package", cwd=tmp_path, env=env)
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "error: There is no package 'No.Such.Package' on 127.0.0.1."
    ]
    bad = run_buddy("nuget", "show", "bad..id", cwd=tmp_path, env=env)
    assert bad.returncode == 1
    assert "is not a NuGet package id" in bad.stderr
    state.primary = state.secondary = "fail"
    down = run_buddy("nuget", "search", "chat", cwd=tmp_path, env=env)
    assert down.returncode == 1
    # Each failed endpoint is logged as a warning; the error itself is one line, last.
    errors = [line for line in down.stderr.splitlines() if line.startswith("error:")]
    assert errors == [down.stderr.strip().splitlines()[-1]]
    assert (
        errors[0] == "error: NuGet search is unavailable: every search endpoint failed (HTTP 500)."
    )
    usage = run_buddy("nuget", "search", cwd=tmp_path, env=env)
    assert usage.returncode == 2
