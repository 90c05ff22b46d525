"""The agent calls the NuGet tools: scripted model server, fake NuGet source, real app."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.chat_setup import chat, with_model
from tests.fixtures.model_server import Script, model_server, text_turn, tool_turn
from tests.fixtures.nuget_packages import ADVISORY, CHAT
from tests.fixtures.nuget_server import NuGetServerState
from tests.fixtures.server import serve_in_thread
from tests.nuget.conftest import TIMEOUT

LATEST_URL = f"https://www.nuget.org/packages/{CHAT}/2.1.0"


@pytest.fixture
def agent_app(
    settings: Settings, nuget: tuple[str, NuGetServerState]
) -> Iterator[tuple[str, Script, NuGetServerState]]:
    index_url, state = nuget
    with model_server() as (model_url, script):
        configured = with_model(
            settings, model_url, nuget_service_index=index_url, nuget_timeout_seconds=TIMEOUT
        )
        with serve_in_thread(create_app(configured)) as url:
            yield url, script, state


def test_the_agent_searches_nuget_reads_a_package_and_cites_it(
    agent_app: tuple[str, Script, NuGetServerState],
) -> None:
    url, script, _ = agent_app
    script.turns = [
        tool_turn("search_nuget", '{"query": "contoso chat"}'),
        tool_turn("get_nuget_package", json.dumps({"id": CHAT, "version": "1.1.0"}), "call_2"),
        text_turn(
            f"Use [{CHAT} 2.1.0]({LATEST_URL}): ",
            "1.1.0 has a high-severity advisory.",
        ),
    ]
    lines = chat(url, {"message": "Which package streams Contoso chat?"})
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "metadata"
    assert kinds[-1] == "complete"
    assert "error" not in kinds
    calls = [(line["tool"], line["args"]) for line in lines if line["type"] == "tool_call"]
    assert calls == [
        ("search_nuget", {"query": "contoso chat"}),
        ("get_nuget_package", {"id": CHAT, "version": "1.1.0"}),
    ]
    found, package = [line for line in lines if line["type"] == "tool output"]
    assert found["tool"] == "search_nuget"
    assert f"{CHAT} 2.1.0 (verified, 2,500,000 downloads) {LATEST_URL}" in found["content"]
    assert package["tool"] == "get_nuget_package"
    assert f"VULNERABLE: High severity, advisory {ADVISORY}" in package["content"]
    assert f"Install: dotnet add package {CHAT} --version 1.1.0" in package["content"]
    citations = [(c["url"], c["source"]) for c in lines if c["type"] == "citation"]
    assert citations == [(LATEST_URL, "nuget")]
    offered = {tool["function"]["name"] for tool in script.requests[0]["tools"]}
    assert {"search_nuget", "get_nuget_package"} <= offered
    system = script.requests[0]["messages"][0]["content"]
    assert "get_nuget_package" in system
    # The model saw the deprecation marks of the other versions in the tool result.
    tool_results = [m["content"] for m in script.requests[2]["messages"] if m["role"] == "tool"]
    assert "1.0.0 (deprecated)" in tool_results[1]


def test_nuget_down_becomes_a_tool_output_and_the_answer_goes_on(
    agent_app: tuple[str, Script, NuGetServerState],
) -> None:
    url, script, state = agent_app
    state.primary = state.secondary = "fail"
    script.turns = [
        tool_turn("search_nuget", '{"query": "chat"}'),
        tool_turn("get_nuget_package", '{"id": "not a package"}', "call_2"),
        text_turn("NuGet is down, so from memory: ..."),
    ]
    lines = chat(url, {"message": "Which chat package?"})
    assert lines[-1]["type"] == "complete"
    outputs = [line["content"] for line in lines if line["type"] == "tool output"]
    assert outputs[0].startswith("NuGet search failed: NuGet search is unavailable")
    assert outputs[1].startswith("NuGet lookup failed: 'not a package' is not a NuGet package id")
    assert not [line for line in lines if line["type"] == "citation"]
