"""The news API and RSS output through the real app under uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest

from buddy.app import create_app
from buddy.config import Settings
from buddy.storage.factory import create_storage
from buddy.storage.records import NewsItem
from tests.fixtures.server import serve_in_thread

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SPECIAL_TITLES = [
    "Regex .* in a title",
    "Parenthesis ( open",
    "Bracket [ open",
    "Back\\slash path",
    "Ünïcödé Ärger über Straße",
    'Escapes <b>&amp; "quotes"',
]


def make_item(index: int, title: str) -> NewsItem:
    return NewsItem(
        id=f"n{index:03}",
        title=title,
        url=f"https://news.example/{index}?a=1&b=2",
        summary=f"Summary {index} with <angle> & ampersand",
        source="Fixture Source",
        author="Author Name",
        published=T0 + timedelta(hours=index),
        tags=("semantic-kernel",),
    )


async def seed(settings: Settings, items: list[NewsItem]) -> None:
    storage = create_storage(settings)
    await storage.open()
    await storage.news.upsert_news(items)
    await storage.close()


@pytest.fixture
def news_url(settings: Settings) -> Iterator[str]:
    settings = settings.model_copy(update={"demo_content": False})
    plain = [make_item(i, f"Plain item {i}") for i in range(60)]
    special = [make_item(100 + i, title) for i, title in enumerate(SPECIAL_TITLES)]
    asyncio.run(seed(settings, plain + special))
    with serve_in_thread(create_app(settings)) as url:
        yield url


def test_first_page_is_newest_first_with_paging_fields(news_url: str) -> None:
    body = httpx.get(f"{news_url}/api/news").json()
    assert (body["total"], body["page"], body["page_size"], body["pages"]) == (66, 1, 20, 4)
    dates = [datetime.fromisoformat(item["published_date"]) for item in body["news"]]
    assert dates == sorted(dates, reverse=True)
    assert all(date.tzinfo is not None for date in dates)
    assert set(body["news"][0]) >= {
        "id",
        "title",
        "summary",
        "source",
        "author",
        "published_date",
        "url",
    }


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("page=0", "page", "validation_error"),
        ("page_size=0", "page_size", "validation_error"),
        ("page_size=101", "BUDDY_MAX_PAGE_SIZE", "limit_exceeded"),
        ("page_size=-5", "page_size", "validation_error"),
        ("page=100001", "page", "validation_error"),
    ],
)
def test_paging_out_of_range_is_422(news_url: str, query: str, field: str, code: str) -> None:
    response = httpx.get(f"{news_url}/api/news?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert field in response.json()["detail"]


def test_page_past_the_end_is_empty_not_an_error(news_url: str) -> None:
    body = httpx.get(f"{news_url}/api/news", params={"page": 99, "page_size": 100}).json()
    assert body["news"] == []
    assert body["total"] == 66


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (".*", ["Regex .* in a title"]),
        ("(", ["Parenthesis ( open"]),
        ("[", ["Bracket [ open"]),
        ("\\", ["Back\\slash path"]),
        ("ÄRGER ÜBER", ["Ünïcödé Ärger über Straße"]),
        ("%", []),
        ("plain ITEM 5", ["Plain item 59", "Plain item 58", "Plain item 57", "Plain item 56"]),
    ],
)
def test_search_is_literal_and_case_insensitive(
    news_url: str, search: str, expected: list[str]
) -> None:
    body = httpx.get(f"{news_url}/api/news", params={"search": search, "page_size": 4}).json()
    assert [item["title"] for item in body["news"]] == expected


def test_search_matches_author_and_source(news_url: str) -> None:
    by_author = httpx.get(f"{news_url}/api/news", params={"search": "author name"}).json()
    by_source = httpx.get(f"{news_url}/api/news", params={"search": "fixture source"}).json()
    assert by_author["total"] == by_source["total"] == 66


def test_rss_round_trips_through_feedparser(news_url: str) -> None:
    response = httpx.get(f"{news_url}/api/news/rss")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert len(parsed.entries) == 50
    newest = httpx.get(f"{news_url}/api/news", params={"page_size": 50}).json()["news"]
    assert [entry.title for entry in parsed.entries] == [item["title"] for item in newest]
    escaped = next(e for e in parsed.entries if e.title.startswith("Escapes"))
    assert escaped.title == 'Escapes <b>&amp; "quotes"'
    assert escaped.link == "https://news.example/105?a=1&b=2"
    assert escaped.published_parsed[:5] == (2025, 1, 5, 9, 0)
    self_links = [link for link in parsed.feed.links if link.rel == "self"]
    assert self_links[0].href == f"{news_url}/api/news/rss"


def test_fifty_concurrent_requests_all_succeed(news_url: str) -> None:
    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=news_url, timeout=30) as client:
            calls = [
                client.get("/api/news", params={"search": "item", "page": i % 4 + 1})
                for i in range(25)
            ] + [client.get("/api/news/rss") for _ in range(25)]
            return [response.status_code for response in await asyncio.gather(*calls)]

    assert asyncio.run(burst()) == [200] * 50
