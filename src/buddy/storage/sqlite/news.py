"""News items: paging newest first, literal search, FTS5 for the agent's news tool."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from buddy.storage.records import NewsItem, Paged, PageRequest, UpsertCounts
from buddy.storage.sqlite.codec import (
    content_hash,
    dump_list,
    fold,
    from_iso,
    fts_query,
    load_tuple,
    to_iso,
)
from buddy.storage.sqlite.database import SqliteDatabase

_COLUMNS = (
    "id, title, url, summary, source, author, published, published_estimated, content, tags, "
    "feed_url, guid"
)


def _item(row: sqlite3.Row) -> NewsItem:
    return NewsItem(
        id=row["id"],
        title=row["title"],
        url=row["url"],
        summary=row["summary"],
        source=row["source"],
        author=row["author"],
        published=from_iso(row["published"]),
        published_estimated=bool(row["published_estimated"]),
        content=row["content"],
        tags=load_tuple(row["tags"]),
        feed_url=row["feed_url"],
        guid=row["guid"],
    )


def _values(item: NewsItem) -> tuple[object, ...]:
    return (
        item.id,
        item.title,
        item.url,
        item.summary,
        item.source,
        item.author,
        to_iso(item.published),
        int(item.published_estimated),
        item.content,
        dump_list(item.tags),
        item.feed_url,
        item.guid,
    )


def _upsert(conn: sqlite3.Connection, items: Sequence[NewsItem]) -> UpsertCounts:
    counts = UpsertCounts()
    for incoming in items:
        item = incoming
        row = conn.execute(
            "SELECT content_hash, published, published_estimated FROM news WHERE id = ?",
            (item.id,),
        ).fetchone()
        if row is not None and item.published_estimated and row["published_estimated"]:
            # A stand-in date (fetch time) must not move, or every fetch would "update" it.
            item = replace(item, published=from_iso(row["published"]))
        values = _values(item)
        digest = content_hash(*values)
        if row is not None and row["content_hash"] == digest:
            counts += UpsertCounts(unchanged=1)
            continue
        search_text = fold(item.title, item.summary, item.author, item.source)
        conn.execute(
            f"INSERT INTO news ({_COLUMNS}, search_text, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "title=excluded.title, url=excluded.url, summary=excluded.summary, "
            "source=excluded.source, author=excluded.author, published=excluded.published, "
            "published_estimated=excluded.published_estimated, content=excluded.content, "
            "tags=excluded.tags, feed_url=excluded.feed_url, guid=excluded.guid, "
            "search_text=excluded.search_text, content_hash=excluded.content_hash",
            (*values, search_text, digest),
        )
        counts += UpsertCounts(new=1) if row is None else UpsertCounts(updated=1)
    return counts


class SqliteNewsStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def upsert_news(self, items: Sequence[NewsItem]) -> UpsertCounts:
        return await self._db.write(lambda conn: _upsert(conn, items))

    async def list_news(self, paging: PageRequest, search: str | None = None) -> Paged[NewsItem]:
        where, args = ("", [])
        if search:
            where, args = ("WHERE instr(search_text, ?) > 0", [search.casefold()])

        def work(conn: sqlite3.Connection) -> Paged[NewsItem]:
            total = int(conn.execute(f"SELECT count(*) FROM news {where}", args).fetchone()[0])
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM news {where} ORDER BY published DESC, id LIMIT ? OFFSET ?",
                [*args, paging.page_size, paging.offset],
            ).fetchall()
            return Paged([_item(row) for row in rows], total, paging.page, paging.page_size)

        return await self._db.read(work)

    async def search_news(self, query: str, limit: int) -> list[NewsItem]:
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        columns = ", ".join(f"n.{name.strip()}" for name in _COLUMNS.split(","))

        def work(conn: sqlite3.Connection) -> list[NewsItem]:
            rows = conn.execute(
                f"SELECT {columns} FROM news_fts JOIN news n ON n.rowid = news_fts.rowid "
                "WHERE news_fts MATCH ? ORDER BY bm25(news_fts, 3.0, 2.0, 1.0) LIMIT ?",
                (match, limit),
            ).fetchall()
            return [_item(row) for row in rows]

        return await self._db.read(work)

    async def count_news(self) -> int:
        return await self._db.read(
            lambda conn: int(conn.execute("SELECT count(*) FROM news").fetchone()[0])
        )
