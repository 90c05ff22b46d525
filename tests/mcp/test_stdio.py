"""`buddy mcp`: the same server over stdio, as a subprocess, with the official client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from buddy.config import Settings
from tests.mcp.conftest import NAMES
from tests.mcp.walkthrough import walk_through

ROOT = Path(__file__).resolve().parents[2]
# The console script installed beside this interpreter, as an editor would launch it.
COMMAND = [str(Path(sys.executable).with_name("buddy")), "mcp"]


def server_env(settings: Settings) -> dict[str, str]:
    return {
        "BUDDY_DATA_DIR": str(settings.data_dir),
        "BUDDY_NUGET_SERVICE_INDEX": settings.nuget_service_index,
        "BUDDY_NUGET_TIMEOUT_SECONDS": "2",
        "BUDDY_DEMO_CONTENT": "false",
        "BUDDY_MCP_URL": "",
        "BUDDY_LOG_LEVEL": "INFO",  # so there is logging to keep off stdout
    }


@pytest.mark.anyio
async def test_a_client_uses_every_tool_over_stdio(mcp_settings: Settings, tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=COMMAND[0], args=COMMAND[1:], env=server_env(mcp_settings), cwd=ROOT
    )
    with (tmp_path / "stderr.log").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            await walk_through(client)
    assert "dense_index_loaded" in (tmp_path / "stderr.log").read_text()


def test_stdout_is_protocol_only_and_closing_stdin_ends_the_process(
    mcp_settings: Settings,
) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    process = subprocess.Popen(
        COMMAND,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**subprocess_base_env(), **server_env(mcp_settings)},
        cwd=ROOT,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        answers = []
        for messages in ([initialize], [initialized, listing]):
            process.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()  # what a client does when it is done
        returncode = process.wait(timeout=30)
        assert process.stderr is not None
        rest, stderr = process.stdout.read(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert returncode == 0, stderr[-2000:]
    assert rest == ""  # nothing but the two answers ever reached stdout
    assert answers[0]["result"]["serverInfo"]["name"] == "csharp-ai-buddy"
    assert {tool["name"] for tool in answers[1]["result"]["tools"]} == NAMES
    assert "mcp_stdio_started" in stderr  # the logs went to stderr
    assert "mcp_stdio_stopped" in stderr


def subprocess_base_env() -> dict[str, str]:
    """PATH and HOME only: nothing from the developer's shell reaches the server."""
    return {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
