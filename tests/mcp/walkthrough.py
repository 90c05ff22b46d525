"""One client session through everything the server offers, asserted; the HTTP and stdio
tests both run it, so the two transports are held to the same results."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent, TextResourceContents

from tests.fixtures.nuget_packages import ADVISORY, CHAT
from tests.mcp.conftest import NAMES


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


async def call(client: Client, name: str, arguments: dict[str, Any]) -> CallToolResult:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, text_of(result)
    return result


async def walk_through(client: Client) -> None:
    listed = await client.list_tools()
    assert {tool.name for tool in listed.tools} == NAMES
    for tool in listed.tools:
        assert len(tool.description or "") > 40
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema is not None

    docs = await call(client, "search_docs", {"query": "stream chat responses", "k": 3})
    hits = docs.structured_content["hits"]
    assert 1 <= len(hits) <= 3
    best = hits[0]
    assert "stream" in best["title"].lower()
    assert best["url"].startswith("https://")
    assert best["resource"].startswith("buddy://docs/")
    assert best["passage"]
    assert best["score"] > 0
    assert f"]({best['url']})" in text_of(docs)  # Markdown link

    only_sk = await call(client, "search_docs", {"query": "plugins", "library": "Semantic Kernel"})
    assert all(
        "semantic" in hit["title"].lower() or "kernel" in hit["passage"].lower()
        for hit in only_sk.structured_content["hits"]
    )

    page = await client.read_resource(best["resource"])
    body = page.contents[0]
    assert isinstance(body, TextResourceContents)
    assert body.text.startswith(f"# {best['title']}")
    assert len(body.text) > len(best["passage"]) / 2

    found = await call(client, "search_nuget", {"query": "contoso chat", "take": 5})
    packages = found.structured_content["packages"]
    chat = next(p for p in packages if p["id"] == CHAT)
    assert chat["verified"]
    assert chat["version"] == "2.1.0"
    assert chat["totalDownloads"] > 0
    assert f"{CHAT} 2.1.0 (verified" in text_of(found)

    package = await call(client, "get_nuget_package", {"package_id": CHAT, "version": "1.1.0"})
    details = package.structured_content
    assert details is not None
    assert details["install"] == f"dotnet add package {CHAT} --version 1.1.0"
    assert details["vulnerabilities"][0]["advisoryUrl"] == ADVISORY
    assert details["license"]["value"] == "MIT"
    frameworks = {group["targetFramework"] for group in details["dependencyGroups"]}
    assert "net8.0" in frameworks
    assert any(v["deprecation"] for v in details["versions"])
    assert "VULNERABLE" in text_of(package)

    samples = await call(client, "search_samples", {"query": "semantic kernel agents"})
    assert samples.structured_content["samples"]
    tagged = await call(
        client, "search_samples", {"query": "chat", "tags": ["Semantic Kernel", "ollama"]}
    )
    assert tagged.structured_content["samples"]
    for sample in tagged.structured_content["samples"]:  # a label and a slug both match
        assert {"Semantic Kernel", "Ollama"} <= set(sample["tags"])

    news = await call(client, "search_news", {"query": "Semantic Kernel"})
    items = news.structured_content["news"]
    assert items
    assert all(item["url"] for item in items)
    assert f"]({items[0]['url']})" in text_of(news)

    prompt = await client.get_prompt("answer_with_sources", {"question": "How do I stream?"})
    wording = prompt.messages[0].content
    assert isinstance(wording, TextContent)
    assert "How do I stream?" in wording.text
    assert "search_docs" in wording.text

    resources = await client.list_resources()
    assert best["resource"] in {str(resource.uri) for resource in resources.resources}
