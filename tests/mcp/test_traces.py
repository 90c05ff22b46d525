"""Each MCP tool call is an OpenInference TOOL span, exported to Phoenix with the app's own."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.phoenix_server import Phoenix
from tests.fixtures.server import serve_in_thread
from tests.mcp.walkthrough import call
from tests.observability.test_phoenix import eventually, phoenix, project_spans, traced

pytestmark = [pytest.mark.slow, pytest.mark.anyio]
__all__ = ["phoenix"]  # the module-scoped Phoenix fixture, shared with the observability tests


async def test_each_tool_call_is_a_tool_span_in_phoenix(
    mcp_settings: Settings, phoenix: Phoenix
) -> None:
    with serve_in_thread(create_app(traced(mcp_settings, phoenix))) as url:
        async with Client(f"{url}/mcp") as client:
            await call(client, "search_docs", {"query": "vector store connectors", "k": 2})
            failed = await client.call_tool("get_nuget_package", {"package_id": "No.Such.Pkg"})
            assert failed.is_error

    def tool_spans() -> list[dict[str, Any]] | None:
        spans = [s for s in project_spans(phoenix) if s["name"].startswith("mcp.")]
        return spans if len(spans) >= 2 else None

    spans = {span["name"]: span for span in eventually(tool_spans, what="the MCP tool spans")}
    docs = spans["mcp.search_docs"]
    assert docs["span_kind"] == "TOOL"
    assert "vector store connectors" in docs["attributes"]["input.value"]
    assert "buddy://docs/" in docs["attributes"]["output.value"]
    package = spans["mcp.get_nuget_package"]
    assert package["span_kind"] == "TOOL"
    assert package["status_code"] == "ERROR"
