"""A coding agent's round trip: the Agents SDK's own MCP client, driven by the scripted model
server, finds our tools on `/mcp`, calls search_docs and reads the hits back to the model."""

from __future__ import annotations

import anyio
import pytest
from agents import Agent, OpenAIChatCompletionsModel, RunConfig, Runner
from agents.mcp import MCPServerStreamableHttp
from openai import AsyncOpenAI

from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.model_server import model_server, text_turn, tool_turn
from tests.fixtures.server import serve_in_thread
from tests.mcp.conftest import NAMES

pytestmark = pytest.mark.anyio


async def test_an_agent_calls_search_docs_over_mcp_and_gets_hits(mcp_settings: Settings) -> None:
    with model_server() as (model_url, script), serve_in_thread(create_app(mcp_settings)) as url:
        script.turns = [
            tool_turn("search_docs", '{"query": "stream chat responses", "k": 2}'),
            text_turn("Call GetStreamingResponseAsync."),
        ]
        client = AsyncOpenAI(base_url=model_url, api_key="unused", max_retries=0)
        async with MCPServerStreamableHttp(params={"url": f"{url}/mcp"}, name="buddy") as buddy:
            agent = Agent(
                name="coder",
                instructions="Answer C# questions with the buddy tools.",
                mcp_servers=[buddy],
                model=OpenAIChatCompletionsModel(model="scripted", openai_client=client),
            )
            # Streamed, as the scripted server always answers with an event stream.
            run = Runner.run_streamed(
                agent, "How do I stream?", run_config=RunConfig(tracing_disabled=True)
            )
            with anyio.fail_after(60):
                async for _ in run.stream_events():
                    pass
    assert run.final_output == "Call GetStreamingResponseAsync."
    offered = {tool["function"]["name"] for tool in script.requests[0]["tools"]}
    assert offered >= NAMES
    tool_output = next(m for m in script.requests[1]["messages"] if m["role"] == "tool")
    content = tool_output["content"]
    text = content if isinstance(content, str) else "".join(part["text"] for part in content)
    assert "buddy://docs/" in text
    assert "GetStreamingResponseAsync" in text
