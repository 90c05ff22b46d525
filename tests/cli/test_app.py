"""The `buddy` command as an operator runs it: real processes, real exit codes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from buddy import __version__
from tests.cli.runner import BUDDY, run_buddy, run_python
from tests.fixtures.server import free_port


def test_version(tmp_path: Path) -> None:
    result = run_buddy("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"buddy {__version__}"


# What `buddy --help` may load: the CLI itself and the `buddy.nuget` constants its options show.
HELP_PROBE = """
import sys
from buddy.cli import main
sys.argv = ["buddy", "--help"]
try:
    main()
except SystemExit:
    pass
print(*sorted(m for m in sys.modules if m.split(".")[0] in ("buddy", "fastapi", "pydantic")))
"""


def test_help_lists_every_command_without_loading_the_service(tmp_path: Path) -> None:
    result = run_python("-c", HELP_PROBE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    *_, loaded = result.stdout.strip().splitlines()
    others = [m for m in loaded.split() if m not in ("buddy", "buddy.nuget")]
    assert [m for m in others if not m.startswith("buddy.cli")] == []
    for command in ("serve", "config", "search", "reindex", "db", "ingest", "keys", "nuget"):
        assert f" {command} " in result.stdout


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_buddy("no-such-command", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_config_masks_secrets(tmp_path: Path) -> None:
    result = run_buddy(
        "config",
        cwd=tmp_path,
        env={"OPENAI_API_KEY": "sk-fake-abcdefghijklmnopqrstuvwxyz", "COLUMNS": "200"},
    )
    assert result.returncode == 0
    assert "OPENAI_API_KEY" in result.stdout
    assert "****" in result.stdout
    assert "abcdefghij" not in result.stdout + result.stderr


def test_config_error_is_one_line_exit_1(tmp_path: Path) -> None:
    result = run_buddy("config", cwd=tmp_path, env={"ENVIRONMENT": "production"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "BUDDY_CORS_ORIGINS" in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run_buddy("--debug", "config", cwd=tmp_path, env={"ENVIRONMENT": "production"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_dotenv_in_working_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_NAME=from-dotenv-file\n")
    result = run_buddy("config", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 0
    assert "from-dotenv-file" in result.stdout


def test_serve_honours_port_and_answers_health(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "BUDDY_DATA_DIR": str(tmp_path / "d")}
    process = subprocess.Popen(
        [*BUDDY, "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete.
    assert process.returncode in (0, -signal.SIGTERM)
    assert b"service_stopped" in output


def test_config_hides_credentials_inside_urls(tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": "https://bob:s3cretpw@llm.example/v1",
        "BUDDY_EMBEDDING_BASE_URL": "https://emb.example/v1?api-key=SECRETKEY",
        "COLUMNS": "250",
    }
    result = run_buddy("config", cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert "s3cretpw" not in result.stdout
    assert "SECRETKEY" not in result.stdout
    assert "https://****@llm.example/v1" in result.stdout


def test_markup_in_arguments_is_printed_not_interpreted(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope[/x]")
    result = run_buddy("ingest", "docs", missing, cwd=tmp_path, env={"COLUMNS": "250"})
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {missing} does not exist"


def test_sigterm_lets_streams_finish_for_the_grace_period_then_exits(tmp_path: Path) -> None:
    """A stream whose model never answers keeps the server only BUDDY_SHUTDOWN_GRACE_SECONDS
    after SIGTERM; then the process exits on its own."""
    from tests.fixtures.model_server import model_server, text_turn  # noqa: PLC0415

    port = free_port()
    with model_server() as (model_url, script):
        script.first_token_delay = 60.0
        script.turns = [text_turn("never seen")]
        env = {
            **os.environ,
            "PORT": str(port),
            "BUDDY_DATA_DIR": str(tmp_path / "d"),
            "BUDDY_DEMO_CONTENT": "false",
            "BUDDY_MCP_URL": "",
            "BUDDY_LLM_PROVIDER": "openai-compatible",
            "OPENAI_BASE_URL": model_url,
            "BUDDY_CHAT_MODEL": "scripted",
            "BUDDY_SHUTDOWN_GRACE_SECONDS": "2",
        }
        process = subprocess.Popen([*BUDDY, "serve"], cwd=tmp_path, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            with httpx.stream("POST", f"{url}/api/chat", json={"message": "Hi?"}, timeout=60) as r:
                lines = r.iter_lines()
                assert json.loads(next(lines))["type"] == "metadata"
                while not script.requests:  # the answer is under way, waiting on the model
                    time.sleep(0.05)
                time.sleep(0.5)
                process.send_signal(signal.SIGTERM)
                started = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):  # cut off when the grace ends
                    for _ in lines:
                        pass
                process.wait(timeout=20)
            waited = time.monotonic() - started
        finally:
            process.kill()
    assert 1.5 <= waited <= 10
