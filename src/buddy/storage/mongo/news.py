"""News items in the seed's `documents` collection: paging, literal search, keyword search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pymongo import ReplaceOne

from buddy.storage.mongo.codec import (
    in_offset,
    literal_pattern,
    offset_minutes,
    read_time,
    strings,
    tokens,
    utc,
    words,
)
from buddy.storage.mongo.connection import NEWS, Collection, Document, MongoDatabase, guarded
from buddy.storage.mongo.search import keyword_score
from buddy.storage.records import NewsItem, Paged, PageRequest, UpsertCounts
from buddy.storage.terms import folded, news_search_text
from buddy.storage.upserts import Stored, Write, plan_news_upsert

# Title counts most for the agent's news tool, then the summary, then the body.
_NEWS_WEIGHTS = {"title": 3.0, "summary": 2.0, "content": 1.0}
# The news tool asks for a handful of items; this many candidates is plenty to rank.
_SEARCH_CANDIDATES = 500
# What the upsert rules read of a stored item (see buddy.storage.upserts).
_STORED_FIELDS = {
    "content_hash": 1,
    "publishedDate": 1,
    "published_offset": 1,
    "published_estimated": 1,
    "indexedDate": 1,
}


def _values(item: NewsItem) -> Document:
    """The seed's field names first (documentId ... rss_author), then ours."""
    return {
        "documentId": item.id,
        "title": item.title,
        "summary": item.summary,
        "content": item.content,
        "sourceUrl": item.url,
        "publishedDate": utc(item.published),
        "rss_feed_url": item.feed_url,
        "rss_author": item.author,
        "source": item.source,
        "published_offset": offset_minutes(item.published),
        "published_estimated": item.published_estimated,
        "tags": list(item.tags),
        "guid": item.guid,
    }


def _document(write: Write[NewsItem], indexed: datetime) -> Document:
    item = write.record
    return {
        **_values(item),
        "indexedDate": indexed,
        "search_text": news_search_text(item),
        "keywords": sorted(set(tokens(f"{item.title} {item.summary} {item.content}"))),
        "content_hash": write.content_hash,
    }


def _stored(doc: Document) -> Stored:
    published = in_offset(read_time(doc.get("publishedDate")), int(doc.get("published_offset", 0)))
    return Stored(
        str(doc.get("content_hash", "")), published, bool(doc.get("published_estimated", False))
    )


def _item(doc: Document) -> NewsItem:
    published = read_time(doc.get("publishedDate"))
    return NewsItem(
        id=str(doc.get("documentId") or doc["_id"]),
        title=str(doc.get("title", "")),
        url=str(doc.get("sourceUrl", "")),
        summary=str(doc.get("summary", "")),
        source=str(doc.get("source", "")),
        author=str(doc.get("rss_author", "")),
        published=in_offset(published, int(doc.get("published_offset", 0))),
        published_estimated=bool(doc.get("published_estimated", False)),
        content=str(doc.get("content", "")),
        tags=strings(doc.get("tags")),
        feed_url=str(doc.get("rss_feed_url", "")),
        guid=str(doc.get("guid", "")),
    )


class MongoNewsStore:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @property
    def _news(self) -> Collection:
        return self._db.collection(NEWS)

    @guarded
    async def upsert_news(self, items: Sequence[NewsItem]) -> UpsertCounts:
        wanted = {"_id": {"$in": [item.id for item in items]}}
        stored = {str(doc["_id"]): doc async for doc in self._news.find(wanted, _STORED_FIELDS)}
        plan = plan_news_upsert(items, {key: _stored(doc) for key, doc in stored.items()})
        now = datetime.now(UTC)
        writes = [
            ReplaceOne(
                {"_id": write.record.id},
                _document(write, stored.get(write.record.id, {}).get("indexedDate") or now),
                upsert=True,
            )
            for write in plan.writes
        ]
        if writes:
            await self._news.bulk_write(writes, ordered=True)
        return plan.counts

    @guarded
    async def list_news(self, paging: PageRequest, search: str | None = None) -> Paged[NewsItem]:
        wanted: Document = {}
        if search:
            wanted = {"search_text": {"$regex": literal_pattern(folded(search))}}
        total = await self._news.count_documents(wanted)
        cursor = (
            self._news.find(wanted, {"keywords": 0})
            .sort([("publishedDate", -1), ("_id", 1)])
            .skip(paging.offset)
            .limit(paging.page_size)
        )
        return Paged([_item(doc) async for doc in cursor], total, paging.page, paging.page_size)

    @guarded
    async def search_news(self, query: str, limit: int) -> list[NewsItem]:
        query_words = words(query)
        if not query_words or limit <= 0:
            return []
        cursor = self._news.find({"keywords": {"$in": query_words}}).limit(_SEARCH_CANDIDATES)
        candidates = await cursor.to_list(None)
        total = await self._news.estimated_document_count()
        frequency = {
            word: sum(word in doc.get("keywords", ()) for doc in candidates) for word in query_words
        }
        ranked = sorted(
            candidates,
            key=lambda doc: -keyword_score(query_words, doc, frequency, total, _NEWS_WEIGHTS),
        )
        return [_item(doc) for doc in ranked[:limit]]

    @guarded
    async def count_news(self) -> int:
        return await self._news.count_documents({})
