"""The model-backed answerer against a scripted OpenAI-compatible server, through the real app,
the real `openai` client and the real Agents SDK."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from buddy.app import create_app
from buddy.config import Settings
from buddy.storage.factory import opened_storage
from buddy.storage.records import IndexInfo
from tests.fixtures.chat_setup import SEED_FILTERS, chat, ingest_tree, with_model
from tests.fixtures.mcp_server import LEARN_URL, mcp_server
from tests.fixtures.model_server import (
    Script,
    model_server,
    responses_turn,
    text_turn,
    tool_turn,
)
from tests.fixtures.server import free_port, serve_in_thread
from tests.retrieval.trees import write_tree

AGENTS_URL = "https://learn.microsoft.com/en-us/guide/agents"


@pytest.fixture
def chat_app(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Script]]:
    with model_server() as (model_url, script):
        configured = with_model(settings, model_url, llm_stall_seconds=3.0)
        asyncio.run(ingest_tree(configured, write_tree(tmp_path)))
        with serve_in_thread(create_app(configured)) as url:
            yield url, script


def test_tool_call_runs_against_the_real_knowledge_base(chat_app: tuple[str, Script]) -> None:
    url, script = chat_app
    script.turns = [
        tool_turn("search_knowledge_base", '{"query": "build an agent with a thread"}'),
        text_turn("Wrap the chat client in an agent. ", f"See [Building agents]({AGENTS_URL})."),
    ]
    lines = chat(
        url,
        {
            "message": "How do I build an agent?",
            "history": [
                {"role": "user", "content": "Hi, I use C#."},
                {"role": "assistant", "content": "Great, ask away."},
            ],
            "filters": {"aiLibrary": "Agent Framework", "dotnetVersion": ".NET 9"},
        },
    )
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "metadata"
    assert kinds[-1] == "complete"
    assert kinds.count("error") == 0
    assert kinds.index("tool_call") < kinds.index("tool output") < kinds.index("content")
    call = next(line for line in lines if line["type"] == "tool_call")
    assert call["tool"] == "search_knowledge_base"
    assert call["args"] == {"query": "build an agent with a thread"}
    output = next(line for line in lines if line["type"] == "tool output")
    assert "Building agents in Contoso AI" in output["content"]
    answer = "".join(line["content"] for line in lines if line["type"] == "content")
    assert answer == f"Wrap the chat client in an agent. See [Building agents]({AGENTS_URL})."
    usage = next(line for line in lines if line["type"] == "usage")
    assert (usage["input_tokens"], usage["output_tokens"]) == (84, 14)
    citations = [line for line in lines if line["type"] == "citation"]
    assert [(c["url"], c["source"]) for c in citations] == [(AGENTS_URL, "docs")]
    first, second = script.requests
    roles = [message["role"] for message in first["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    setup = json.dumps({"dotnetVersion": ".NET 9", "aiLibrary": "Agent Framework"})
    assert first["messages"][0]["content"].endswith("\n" + setup)
    tool_results = [m for m in second["messages"] if m["role"] == "tool"]
    assert "Building agents in Contoso AI" in tool_results[0]["content"]


def test_the_seeds_filters_reach_the_model_as_json_data(chat_app: tuple[str, Script]) -> None:
    url, script = chat_app
    script.turns = [text_turn("Noted.")]
    chat(url, {"message": "How do I start?"})
    unfiltered = script.requests[-1]["messages"][0]["content"]
    proses = set()
    for filters, _ in SEED_FILTERS:
        script.turns = [text_turn("Noted.")]
        lines = chat(url, {"message": "How do I start?", "filters": filters})
        assert [line["type"] for line in lines][-1] == "complete", filters
        system = script.requests[-1]["messages"][0]["content"]
        prose, _, data = system.rpartition("\n")
        assert json.loads(data) == filters
        assert prose.startswith(unfiltered + "\n\n")
        proses.add(prose)
    # The sentences are the same whatever the filters say: the values are only in the data.
    assert len(proses) == 1
    assert "Ignore earlier rules" not in proses.pop()


@pytest.mark.parametrize(("status", "code"), [(500, "model_error"), (429, "model_busy")])
def test_model_http_errors_end_with_one_error_line(
    chat_app: tuple[str, Script], status: int, code: str
) -> None:
    url, script = chat_app
    script.turns = [status]
    lines = chat(url, {"message": "hello"})
    assert [line["type"] for line in lines] == ["metadata", "error"]
    assert lines[-1]["code"] == code
    assert "scripted failure" not in json.dumps(lines)


def test_a_stalled_model_ends_the_answer_and_the_request(chat_app: tuple[str, Script]) -> None:
    url, script = chat_app
    script.turns = ["stall"]
    started = time.monotonic()
    lines = chat(url, {"message": "hello"})
    assert lines[-1]["type"] == "error"
    assert lines[-1]["code"] == "model_stalled"
    assert time.monotonic() - started < 10
    assert script.cancelled.wait(3), "the model request was not closed"


def test_malformed_tool_arguments_end_the_answer_with_one_error(
    chat_app: tuple[str, Script],
) -> None:
    url, script = chat_app
    script.turns = [
        tool_turn("search_knowledge_base", '{"query": "unterminated'),
        text_turn("never sent"),
    ]
    lines = chat(url, {"message": "hello"})
    assert [line["type"] for line in lines] == ["metadata", "tool_call", "error"]
    assert lines[-1]["code"] == "tool_arguments_invalid"
    assert "unterminated" not in json.dumps(lines[-1])  # the model's text stays internal
    assert len(script.requests) == 1


def test_a_failing_tool_ends_the_answer_with_one_error(
    chat_app: tuple[str, Script], settings: Settings
) -> None:
    url, script = chat_app

    async def switch_embedder() -> None:
        async with opened_storage(settings) as storage:
            await storage.chunks.set_index_info(IndexInfo("another-model", 384))

    asyncio.run(switch_embedder())  # the knowledge base now refuses to search
    script.turns = [
        tool_turn("search_knowledge_base", '{"query": "agents"}'),
        text_turn("never sent"),
    ]
    lines = chat(url, {"message": "hello"})
    assert [line["type"] for line in lines] == ["metadata", "tool_call", "error"]
    assert lines[-1]["code"] == "reindex_required"
    assert "buddy reindex" in lines[-1]["content"]


def test_a_client_disconnect_cancels_the_model_request(chat_app: tuple[str, Script]) -> None:
    url, script = chat_app
    script.turns = ["stall"]
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{url}/api/chat", json={"message": "hello"}) as response,
    ):
        lines = response.iter_lines()
        assert json.loads(next(lines))["type"] == "metadata"
        assert json.loads(next(lines))["type"] == "content"
    # Leaving the block closed the connection mid-answer.
    closed_at = time.monotonic()
    assert script.cancelled.wait(5)
    assert time.monotonic() - closed_at < 1.5


@pytest.fixture
def mcp_chat_app(settings: Settings) -> Iterator[tuple[str, Script, list[str]]]:
    with model_server() as (model_url, script), mcp_server() as (mcp_url, calls):
        configured = with_model(settings, model_url, mcp_url=mcp_url)
        with serve_in_thread(create_app(configured)) as url:
            yield url, script, calls


def test_the_agent_lists_and_calls_mcp_tools(
    mcp_chat_app: tuple[str, Script, list[str]],
) -> None:
    url, script, calls = mcp_chat_app
    script.turns = [
        tool_turn("microsoft_docs_search", '{"query": "chat app"}'),
        text_turn(f"Follow [the quickstart]({LEARN_URL})."),
    ]
    lines = chat(url, {"message": "How do I build a chat app?"})
    assert calls == ["chat app"]
    offered = {tool["function"]["name"] for tool in script.requests[0]["tools"]}
    assert {"microsoft_docs_search", "search_knowledge_base"} <= offered
    output = next(line for line in lines if line["type"] == "tool output")
    assert output["tool"] == "microsoft_docs_search"
    assert "Build a chat app with IChatClient" in output["content"]
    assert lines[-1]["type"] == "complete"


def test_an_unreachable_mcp_server_is_said_and_the_answer_completes(
    settings: Settings,
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/mcp"
    with model_server() as (model_url, script):
        configured = with_model(settings, model_url, mcp_url=closed)
        with serve_in_thread(create_app(configured)) as url:
            script.turns = [text_turn("Answer without Learn.")]
            lines = chat(url, {"message": "hello"})
    kinds = [line["type"] for line in lines]
    assert kinds[-1] == "complete"
    note = next(line for line in lines if line["type"] == "tool output")
    assert "unreachable" in note["content"]
    assert "error" not in kinds


def test_the_openai_provider_speaks_the_responses_api(settings: Settings) -> None:
    with model_server() as (model_url, script):
        configured = with_model(settings, model_url, llm_provider="openai")
        with serve_in_thread(create_app(configured)) as url:
            script.turns = [responses_turn("Use ", "IChatClient.")]
            lines = chat(url, {"message": "hello", "history": [{"role": "user", "content": "hi"}]})
    answer = "".join(line["content"] for line in lines if line["type"] == "content")
    assert answer == "Use IChatClient."
    usage = next(line for line in lines if line["type"] == "usage")
    assert (usage["input_tokens"], usage["output_tokens"]) == (30, 5)
    assert lines[-1]["type"] == "complete"
    request = script.requests[0]
    assert [item.get("role") for item in request["input"]] == ["user", "user"]
    assert "C# AI Buddy" in request["instructions"]
    assert {"type": "web_search"} in [{"type": tool["type"]} for tool in request["tools"]]
