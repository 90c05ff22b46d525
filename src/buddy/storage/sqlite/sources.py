"""Registered knowledge sources and their sync leases."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from buddy.storage.records import KnowledgeSource, SyncOutcome, key_range
from buddy.storage.sqlite.chunks import VERSION_KEY
from buddy.storage.sqlite.codec import bump_version, dump_list, to_iso
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table

SOURCES = Table(KnowledgeSource, "knowledge_sources", key="name")


class SqliteSourceStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_source(self, source: KnowledgeSource) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            sql = SOURCES.insert_sql().replace("INSERT", "INSERT OR IGNORE", 1)
            return conn.execute(sql, SOURCES.values(source)).rowcount > 0

        return await self._db.write(work)

    async def get_source(self, name: str) -> KnowledgeSource | None:
        def work(conn: sqlite3.Connection) -> KnowledgeSource | None:
            row = conn.execute(
                f"SELECT {SOURCES.columns()} FROM knowledge_sources WHERE name = ?", (name,)
            ).fetchone()
            return None if row is None else SOURCES.read(row)

        return await self._db.read(work)

    async def list_sources(self) -> list[KnowledgeSource]:
        def work(conn: sqlite3.Connection) -> list[KnowledgeSource]:
            rows = conn.execute(
                f"SELECT {SOURCES.columns()} FROM knowledge_sources ORDER BY name"
            ).fetchall()
            return [SOURCES.read(row) for row in rows]

        return await self._db.read(work)

    async def record_sync(self, name: str, outcome: SyncOutcome) -> None:
        success = None if outcome.error else to_iso(outcome.finished_at)
        await self._db.write(
            lambda conn: conn.execute(
                "UPDATE knowledge_sources SET last_started_at = ?, last_finished_at = ?, "
                "last_success_at = COALESCE(?, last_success_at), last_error = ?, "
                "last_summary = ?, pages = ?, chunks = ?, failures = ?, "
                "cursor = COALESCE(?, cursor) WHERE name = ?",
                (
                    to_iso(outcome.started_at),
                    to_iso(outcome.finished_at),
                    success,
                    outcome.error,
                    outcome.summary,
                    outcome.pages,
                    outcome.chunks,
                    dump_list(outcome.failures),
                    outcome.cursor,
                    name,
                ),
            )
        )

    async def remove_source(self, name: str) -> int | None:
        low, high = key_range(f"{name}/")

        def work(conn: sqlite3.Connection) -> int | None:
            if conn.execute("DELETE FROM knowledge_sources WHERE name = ?", (name,)).rowcount == 0:
                return None
            conn.execute("DELETE FROM chunks WHERE page_key >= ? AND page_key < ?", (low, high))
            pages = conn.execute(
                "DELETE FROM pages WHERE key >= ? AND key < ?", (low, high)
            ).rowcount
            bump_version(conn, VERSION_KEY)
            return int(pages)

        return await self._db.write(work)

    async def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            taken = conn.execute(
                "UPDATE knowledge_sources SET lease_holder = ?, lease_until = ? "
                "WHERE name = ? AND (lease_holder IN ('', ?) OR lease_until < ?)",
                (holder, to_iso(until), name, holder, to_iso(now)),
            ).rowcount
            return taken > 0

        return await self._db.write(work)

    async def release_lease(self, name: str, holder: str) -> None:
        await self._db.write(
            lambda conn: conn.execute(
                "UPDATE knowledge_sources SET lease_holder = '', lease_until = '' "
                "WHERE name = ? AND lease_holder = ?",
                (name, holder),
            )
        )
