"""The samples gallery API through the real app, on the bundled demo catalog."""

from __future__ import annotations

import asyncio

import httpx
import pytest


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


def test_tags_are_sorted_and_unique(base_url: str) -> None:
    tags = httpx.get(f"{base_url}/api/samples/tags").json()["tags"]
    assert tags == sorted(set(tags))
    assert {"semantic-kernel", "mcp", "ollama"} <= set(tags)


@pytest.mark.parametrize(
    "tags", ["semantic-kernel", "Semantic-Kernel,OLLAMA", "mcp,mcp-sdk", "ml-net, ml"]
)
def test_every_listed_tag_must_match(base_url: str, tags: str) -> None:
    wanted = {tag.strip().casefold() for tag in tags.split(",")}
    body = httpx.get(f"{base_url}/api/samples", params={"tags": tags, "page_size": 100}).json()
    assert body["total"] > 0
    for sample in body["samples"]:
        assert wanted <= {tag.casefold() for tag in sample["tags"]}
    everything = httpx.get(f"{base_url}/api/samples", params={"page_size": 100}).json()
    expected = [s for s in everything["samples"] if wanted <= {t.casefold() for t in s["tags"]}]
    assert body["total"] == len(expected)


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
        in "\n".join([s["title"], s["description"], s["author"], *s["tags"]]).casefold()
    ]
    assert [s["id"] for s in response.json()["samples"]] == expected


def test_search_finds_text_in_title_description_and_tags(base_url: str) -> None:
    for text in ("OLLAMA", "model context protocol", "semantic-kernel"):
        body = httpx.get(f"{base_url}/api/samples", params={"search": text}).json()
        assert body["total"] > 0, text
        for sample in body["samples"]:
            haystack = " ".join(
                [sample["title"], sample["description"], sample["author"], *sample["tags"]]
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
