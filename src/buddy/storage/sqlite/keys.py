"""Magic keys, stored by hash only."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from buddy.storage.records import MagicKey
from buddy.storage.sqlite.codec import to_iso
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table

KEYS = Table(MagicKey, "magic_keys")


class SqliteMagicKeyStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_key(self, key: MagicKey) -> None:
        await self._db.write(lambda conn: conn.execute(KEYS.insert_sql(), KEYS.values(key)))

    async def key_by_hash(self, key_hash: str) -> MagicKey | None:
        def work(conn: sqlite3.Connection) -> MagicKey | None:
            row = conn.execute(
                f"SELECT {KEYS.columns()} FROM magic_keys WHERE key_hash = ?", (key_hash,)
            ).fetchone()
            return None if row is None else KEYS.read(row)

        return await self._db.read(work)

    async def list_keys(self) -> list[MagicKey]:
        def work(conn: sqlite3.Connection) -> list[MagicKey]:
            rows = conn.execute(f"SELECT {KEYS.columns()} FROM magic_keys ORDER BY created_at, id")
            return [KEYS.read(row) for row in rows.fetchall()]

        return await self._db.read(work)

    async def set_key_enabled(self, key_id: str, enabled: bool) -> bool:
        return await self._db.write(
            lambda conn: (
                conn.execute(
                    "UPDATE magic_keys SET enabled = ? WHERE id = ?", (int(enabled), key_id)
                ).rowcount
                > 0
            )
        )

    async def touch_key(self, key_id: str, when: datetime) -> None:
        await self._db.write(
            lambda conn: conn.execute(
                "UPDATE magic_keys SET last_used_at = ? WHERE id = ?", (to_iso(when), key_id)
            )
        )
