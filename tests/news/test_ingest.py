"""Feed ingestion against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from buddy.news.feeds import canonical_link, source_from_host
from buddy.news.ingest import ingest_feed, ingest_feeds
from buddy.storage.base import Storage
from buddy.storage.records import NewsItem, PageRequest, UpsertCounts
from tests.fixtures.feed_server import ETAG, FeedServerState

pytestmark = pytest.mark.anyio
LIMIT = 10 * 1024 * 1024


async def all_news(store: Storage) -> dict[str, NewsItem]:
    found = await store.news.list_news(PageRequest(1, 100))
    return {item.title: item for item in found.items}


async def test_rss2_items_carry_every_field(
    store: Storage, feeds: tuple[str, FeedServerState]
) -> None:
    url, _ = feeds
    async with httpx.AsyncClient() as client:
        report = await ingest_feed(store, client, f"{url}/feeds/dotnet-ai.rss.xml", LIMIT)
    assert report.status == "ingested"
    assert report.counts == UpsertCounts(new=3)
    items = await all_news(store)
    streaming = items["Streaming chat with IChatClient in .NET 9"]
    assert streaming.source == "Fixture .NET AI Weekly"
    assert streaming.author == "Test Writer"
    assert streaming.url == "http://fixture.example/posts/streaming-chat?id=7"
    assert streaming.published == datetime(2025, 3, 4, 8, 30, tzinfo=UTC)
    assert not streaming.published_estimated
    assert {"microsoft-extensions-ai", "ollama", "net9", "streaming", "chat"} <= set(streaming.tags)
    assert "OllamaApiClient" in streaming.content
    assert "alert" not in streaming.content
    assert len(streaming.summary) <= 300
    assert "<" not in streaming.summary
    assert streaming.summary.startswith("This fixture post walks through GetStreamingResponseAsync")
    rag = items["Semantic Kernel & vector stores: a RAG recipe"]
    assert {"semantic-kernel", "azure-openai", "rag", "vector-search"} <= set(rag.tags)
    undated = items["Undated notes from the team"]
    assert undated.published_estimated
    assert undated.published == datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


async def test_atom_and_rss1_are_read(store: Storage, feeds: tuple[str, FeedServerState]) -> None:
    url, _ = feeds
    async with httpx.AsyncClient() as client:
        reports = await ingest_feeds(
            store,
            client,
            [f"{url}/feeds/releases.atom.xml", f"{url}/feeds/legacy.rdf.xml"],
            LIMIT,
        )
    assert [r.status for r in reports] == ["ingested", "ingested"]
    items = await all_news(store)
    mlnet = items["ML.NET 4.0 fixture release"]
    assert mlnet.author == "Release Bot"
    assert mlnet.source == "Fixture Releases"
    assert mlnet.content == "The full text of the fixture release notes lives here."
    maf = items["Agent Framework fixture preview"]
    assert maf.published == datetime(2025, 5, 25, 14, 15, tzinfo=timezone(timedelta(hours=-7)))
    assert {"agent-framework", "multi-agent", "github-models"} <= set(maf.tags)
    rdf = items["ONNX Runtime GenAI on a laptop"]
    assert rdf.author == "RDF Author"
    assert rdf.published == datetime(2025, 2, 10, 7, 0, tzinfo=UTC)


async def test_unchanged_feed_costs_one_304(
    store: Storage, feeds: tuple[str, FeedServerState]
) -> None:
    url, state = feeds
    async with httpx.AsyncClient() as client:
        first = await ingest_feed(store, client, f"{url}/etag.xml", LIMIT)
        second = await ingest_feed(store, client, f"{url}/etag.xml", LIMIT)
    assert first.status == "ingested"
    assert second.status == "not_modified"
    sent = [headers for path, headers in state.requests if path == "/etag.xml"]
    assert "If-None-Match" not in sent[0]
    assert sent[1]["If-None-Match"] == ETAG
    assert await store.news.count_news() == 3


async def test_edited_item_updates_in_place(
    store: Storage, feeds: tuple[str, FeedServerState]
) -> None:
    url, state = feeds
    async with httpx.AsyncClient() as client:
        first = await ingest_feed(store, client, f"{url}/changing.xml", LIMIT)
        state.changing_version = 2
        second = await ingest_feed(store, client, f"{url}/changing.xml", LIMIT)
        third = await ingest_feed(store, client, f"{url}/changing.xml", LIMIT)
    assert first.counts == UpsertCounts(new=2)
    assert second.counts == UpsertCounts(updated=1, unchanged=1)
    assert third.counts == UpsertCounts(unchanged=2)
    titles = set(await all_news(store))
    assert titles == {"Item title version 2", "Stable item"}


async def test_broken_feeds_are_reported_and_skipped(
    store: Storage, feeds: tuple[str, FeedServerState]
) -> None:
    url, _ = feeds
    targets = [
        f"{url}/broken.xml",
        f"{url}/page.html",
        f"{url}/huge.xml",
        "http://127.0.0.1:9/refused.xml",
        f"{url}/feeds/legacy.rdf.xml",
    ]
    async with httpx.AsyncClient(timeout=10) as client:
        reports = await ingest_feeds(store, client, targets, LIMIT)
    by_url = {report.url: report for report in reports}
    assert by_url[targets[0]].error == f"HTTP 500 from {targets[0]}"
    assert by_url[targets[1]].error == f"{targets[1]} is not a feed"
    assert "larger than the 10485760-byte limit" in by_url[targets[2]].error
    assert by_url[targets[3]].status == "failed"
    assert by_url[targets[4]].status == "ingested"
    assert await store.news.count_news() == 1


def test_canonical_links_and_source_names() -> None:
    assert (
        canonical_link("HTTPS://Dev.Example.COM/a?utm_medium=x&b=2#frag")
        == "https://dev.example.com/a?b=2"
    )
    assert source_from_host("https://www.devblogs.microsoft.com/dotnet/feed") == (
        "Devblogs Microsoft"
    )
    assert source_from_host("http://localhost:8080/rss") == "Localhost"


async def test_a_malformed_url_fails_alone(
    store: Storage, feeds: tuple[str, FeedServerState]
) -> None:
    url, _ = feeds
    async with httpx.AsyncClient() as client:
        reports = await ingest_feeds(
            store, client, ["http://[::1/feed", f"{url}/feeds/legacy.rdf.xml"], LIMIT
        )
    assert [r.status for r in reports] == ["failed", "ingested"]
    assert "could not be ingested" in reports[0].error


def test_plain_guids_are_unique_per_feed() -> None:
    from buddy.news.feeds import news_id  # noqa: PLC0415

    assert news_id("1", "", "https://a.example/rss") != news_id("1", "", "https://b.example/rss")
    same = news_id("https://x.example/p/1", "", "https://a.example/rss")
    assert same == news_id("https://x.example/p/1", "", "https://b.example/rss")


async def test_the_refresher_ingests_and_survives_a_broken_feed(
    store: Storage, feeds: tuple[str, FeedServerState]
) -> None:
    import asyncio  # noqa: PLC0415

    from buddy.news.ingest import refresh_forever  # noqa: PLC0415

    url, state = feeds
    targets = [f"{url}/broken.xml", f"{url}/changing.xml"]
    async with httpx.AsyncClient() as client:
        task = asyncio.create_task(refresh_forever(store, client, targets, 0, LIMIT))
        for _ in range(200):
            if sum(path == "/changing.xml" for path, _ in state.requests) >= 2:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert sum(path == "/changing.xml" for path, _ in state.requests) >= 2
    assert await store.news.count_news() == 2
