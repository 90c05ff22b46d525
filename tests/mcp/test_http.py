"""The official MCP client against `/mcp` on the running app (streamable HTTP)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client

from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.server import serve_in_thread
from tests.mcp.walkthrough import call, text_of, walk_through

pytestmark = pytest.mark.anyio


async def test_a_client_uses_every_tool_resource_and_prompt(mcp_settings: Settings) -> None:
    with serve_in_thread(create_app(mcp_settings)) as url:
        async with Client(f"{url}/mcp") as client:
            await walk_through(client)


async def test_bad_arguments_are_tool_errors_and_the_server_stays_healthy(
    mcp_settings: Settings,
) -> None:
    bad: list[tuple[str, dict[str, Any], str]] = [
        ("search_docs", {"query": "agents", "k": "many"}, "k"),
        ("search_docs", {"query": "agents", "k": 0}, "greater than or equal to 1"),
        ("search_docs", {"query": "x" * 10_000}, "at most 1000 characters"),
        ("search_docs", {"query": "agents", "library": "Cobol.NET"}, "Known libraries"),
        ("search_docs", {}, "query"),
        ("search_nuget", {"query": "chat", "take": 1000}, "take"),
        ("search_samples", {"query": "chat", "tags": "not-a-list"}, "tags"),
        ("get_nuget_package", {"package_id": "No.Such.Package"}, "No.Such.Package"),
        ("get_nuget_package", {"package_id": "bad id!"}, "package id"),
    ]
    with serve_in_thread(create_app(mcp_settings)) as url:
        async with Client(f"{url}/mcp") as client:
            for name, arguments, named in bad:
                result = await client.call_tool(name, arguments)
                assert result.is_error, (name, arguments)
                message = text_of(result)
                assert named in message, message
                assert "Traceback" not in message
                assert len(message) < 2000
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"{url}/health")).status_code == 200
            await call(client, "search_docs", {"query": "agents"})  # still serving


def test_the_body_limit_and_cors_apply_to_mcp(mcp_settings: Settings) -> None:
    limited = mcp_settings.model_copy(
        update={"max_request_bytes": 2000, "cors_origins": ["https://editor.example"]}
    )
    with serve_in_thread(create_app(limited)) as url:
        big = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": "x" * 3000}}
        response = httpx.post(f"{url}/mcp", json=big)
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
        preflight = httpx.options(
            f"{url}/mcp",
            headers={
                "Origin": "https://editor.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://editor.example"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
