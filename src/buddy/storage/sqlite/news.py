"""News items: paging newest first, literal search, FTS5 for the agent's news tool."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from buddy.storage.records import NewsItem, Paged, PageRequest, UpsertCounts
from buddy.storage.sqlite.codec import from_iso, fts_query
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table
from buddy.storage.terms import folded, news_search_text
from buddy.storage.upserts import Stored, plan_news_upsert

NEWS = Table(NewsItem, "news", extra=("search_text", "content_hash"))


def _upsert(conn: sqlite3.Connection, items: Sequence[NewsItem]) -> UpsertCounts:
    rows = conn.execute(
        "SELECT id, content_hash, published, published_estimated FROM news "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps([item.id for item in items]),),
    ).fetchall()
    stored = {
        row["id"]: Stored(
            row["content_hash"], from_iso(row["published"]), bool(row["published_estimated"])
        )
        for row in rows
    }
    plan = plan_news_upsert(items, stored)
    conn.executemany(
        NEWS.upsert_sql(),
        [
            NEWS.values(write.record, news_search_text(write.record), write.content_hash)
            for write in plan.writes
        ],
    )
    return plan.counts


class SqliteNewsStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def upsert_news(self, items: Sequence[NewsItem]) -> UpsertCounts:
        return await self._db.write(lambda conn: _upsert(conn, items))

    async def list_news(self, paging: PageRequest, search: str | None = None) -> Paged[NewsItem]:
        where, args = ("", [])
        if search:
            where, args = ("WHERE instr(search_text, ?) > 0", [folded(search)])

        def work(conn: sqlite3.Connection) -> Paged[NewsItem]:
            total = int(conn.execute(f"SELECT count(*) FROM news {where}", args).fetchone()[0])
            rows = conn.execute(
                f"SELECT {NEWS.columns()} FROM news {where} "
                "ORDER BY published DESC, id LIMIT ? OFFSET ?",
                [*args, paging.page_size, paging.offset],
            ).fetchall()
            return Paged([NEWS.read(row) for row in rows], total, paging.page, paging.page_size)

        return await self._db.read(work)

    async def search_news(self, query: str, limit: int) -> list[NewsItem]:
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        columns = NEWS.columns(prefix="n.")

        def work(conn: sqlite3.Connection) -> list[NewsItem]:
            rows = conn.execute(
                f"SELECT {columns} FROM news_fts JOIN news n ON n.rowid = news_fts.rowid "
                "WHERE news_fts MATCH ? ORDER BY bm25(news_fts, 3.0, 2.0, 1.0) LIMIT ?",
                (match, limit),
            ).fetchall()
            return [NEWS.read(row) for row in rows]

        return await self._db.read(work)

    async def count_news(self) -> int:
        return await self._db.read(
            lambda conn: int(conn.execute("SELECT count(*) FROM news").fetchone()[0])
        )
