"""The samples gallery API through the real app, on the bundled demo catalog."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from buddy.taxonomy import BY_SLUG, tag_key


def _tag_names(sample: dict[str, Any]) -> list[str]:
    """A sample's tag labels and their slugs: search matches either."""
    return [*sample["tags"], *(tag_key(tag) for tag in sample["tags"])]


def test_gallery_lists_demo_samples_by_title(base_url: str) -> None:
    body = httpx.get(f"{base_url}/api/samples", params={"page_size": 100}).json()
    assert body["total"] >= 30
    assert body["pages"] == 1
    titles = [sample["title"].casefold() for sample in body["samples"]]
    assert titles == sorted(titles)
    first = body["samples"][0]
    assert set(first) == {
        "id",
        "title",
        "description",
        "preview",
        "authorUrl",
        "author",
        "source",
        "tags",
    }


def test_tags_are_labels_sorted_and_unique(base_url: str) -> None:
    # The demo catalog stores slugs; people (and the seed's page) see the taxonomy's labels.
    tags = httpx.get(f"{base_url}/api/samples/tags").json()["tags"]
    assert tags == sorted(set(tags), key=str.casefold)
    assert {"Semantic Kernel", "ML.NET", "MCP", "Ollama", "Microsoft.Extensions.AI"} <= set(tags)
    assert not [tag for tag in tags if tag in BY_SLUG]


def test_samples_carry_labels_in_the_list_and_alone(base_url: str) -> None:
    listed = httpx.get(f"{base_url}/api/samples", params={"page_size": 100}).json()["samples"]
    by_id = {sample["id"]: sample for sample in listed}
    one = httpx.get(f"{base_url}/api/samples/dotnet-ai-samples").json()
    assert one == by_id["dotnet-ai-samples"]
    assert {"Microsoft.Extensions.AI", "Semantic Kernel", "Console apps"} <= set(one["tags"])
    assert not [tag for sample in listed for tag in sample["tags"] if tag in BY_SLUG]


@pytest.mark.parametrize(
    "tags",
    [
        "semantic-kernel",
        "Semantic Kernel",
        "Semantic-Kernel,OLLAMA",
        "mcp,MCP C# SDK",
        "ML.NET, ml",
        "ml-net,Machine learning",
    ],
)
def test_every_listed_tag_must_match(base_url: str, tags: str) -> None:
    wanted = {tag_key(tag) for tag in tags.split(",")}
    body = httpx.get(f"{base_url}/api/samples", params={"tags": tags, "page_size": 100}).json()
    assert body["total"] > 0
    for sample in body["samples"]:
        assert wanted <= {tag_key(tag) for tag in sample["tags"]}
    everything = httpx.get(f"{base_url}/api/samples", params={"page_size": 100}).json()
    expected = [s for s in everything["samples"] if wanted <= {tag_key(t) for t in s["tags"]}]
    assert body["total"] == len(expected)


def test_a_label_and_its_slug_choose_the_same_samples(base_url: str) -> None:
    def chosen(tags: str) -> list[str]:
        body = httpx.get(f"{base_url}/api/samples", params={"tags": tags, "page_size": 100})
        return [sample["id"] for sample in body.json()["samples"]]

    assert chosen("Semantic Kernel") == chosen("semantic-kernel") != []
    assert chosen("ML.NET,Machine learning") == chosen("ml-net,ml") != []


def test_tags_that_never_meet_give_an_empty_page(base_url: str) -> None:
    body = httpx.get(f"{base_url}/api/samples", params={"tags": "ml-net,no-such-tag"}).json()
    assert body == {"samples": [], "total": 0, "page": 1, "page_size": 20, "pages": 0}


@pytest.mark.parametrize("search", [".*", "(", "[", "\\", "ünïcode", "%", "_"])
def test_search_with_metacharacters_is_literal(base_url: str, search: str) -> None:
    response = httpx.get(f"{base_url}/api/samples", params={"search": search, "page_size": 100})
    assert response.status_code == 200
    everything = httpx.get(f"{base_url}/api/samples", params={"page_size": 100}).json()
    expected = [
        s["id"]
        for s in everything["samples"]
        if search.casefold()
        in "\n".join([s["title"], s["description"], s["author"], *_tag_names(s)]).casefold()
    ]
    assert [s["id"] for s in response.json()["samples"]] == expected


def test_search_finds_text_in_title_description_and_tags(base_url: str) -> None:
    for text in ("OLLAMA", "model context protocol", "semantic-kernel"):
        body = httpx.get(f"{base_url}/api/samples", params={"search": text}).json()
        assert body["total"] > 0, text
        for sample in body["samples"]:
            haystack = " ".join(
                [sample["title"], sample["description"], sample["author"], *_tag_names(sample)]
            )
            assert text.casefold() in haystack.casefold()


def test_one_sample_and_unknown_id(base_url: str) -> None:
    first = httpx.get(f"{base_url}/api/samples").json()["samples"][0]
    assert httpx.get(f"{base_url}/api/samples/{first['id']}").json() == first
    missing = httpx.get(f"{base_url}/api/samples/no-such-sample")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "No sample has the id 'no-such-sample'.",
        "code": "not_found",
    }


def test_fifty_concurrent_requests_all_succeed(base_url: str) -> None:
    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            calls = [
                client.get("/api/samples", params={"search": "agent", "tags": "agents"})
                for _ in range(25)
            ] + [client.get("/api/samples/tags") for _ in range(25)]
            return [response.status_code for response in await asyncio.gather(*calls)]

    assert asyncio.run(burst()) == [200] * 50
