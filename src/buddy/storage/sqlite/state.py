"""Named values kept between runs."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from buddy.storage.sqlite.codec import to_iso
from buddy.storage.sqlite.database import SqliteDatabase


class SqliteStateStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def get_state(self, key: str) -> str | None:
        def work(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row["value"])

        return await self._db.read(work)

    async def set_state(self, key: str, value: str) -> None:
        now = to_iso(datetime.now(UTC))
        await self._db.write(
            lambda conn: conn.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET "
                "value=excluded.value, updated_at=excluded.updated_at",
                (key, value, now),
            )
        )
