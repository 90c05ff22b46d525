"""News queries for the API, the RSS output and the agent's `search_news` tool."""

from __future__ import annotations

from buddy.news.rss import render_rss
from buddy.news.schemas import NewsItemOut, NewsPage
from buddy.observability import annotate_listing
from buddy.storage.base import Storage
from buddy.storage.records import NewsItem, PageRequest

RSS_ITEMS = 50


async def list_news(storage: Storage, paging: PageRequest, search: str | None) -> NewsPage:
    found = await storage.news.list_news(paging, search)
    annotate_listing(search, found)
    news = [NewsItemOut.from_record(item) for item in found.items]
    return NewsPage(news=news, **found.paging_fields())


async def news_rss(storage: Storage, self_url: str, site_url: str) -> bytes:
    latest = await storage.news.list_news(PageRequest(1, RSS_ITEMS))
    return render_rss(latest.items, self_url, site_url)


async def search_news(storage: Storage, query: str, limit: int = 5) -> list[NewsItem]:
    """Best matching news for a free-text question, newest first among equals."""
    return await storage.news.search_news(query, limit)
