"""Magic keys, stored by hash only."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from buddy.storage.records import MagicKey
from buddy.storage.sqlite.codec import from_iso, from_iso_or_none, to_iso, to_iso_or_none
from buddy.storage.sqlite.database import SqliteDatabase

_COLUMNS = "id, key_hash, label, enabled, created_at, expires_at, requests_per_minute, last_used_at"


def _key(row: sqlite3.Row) -> MagicKey:
    return MagicKey(
        id=row["id"],
        key_hash=row["key_hash"],
        label=row["label"],
        enabled=bool(row["enabled"]),
        created_at=from_iso(row["created_at"]),
        expires_at=from_iso_or_none(row["expires_at"]),
        requests_per_minute=row["requests_per_minute"],
        last_used_at=from_iso_or_none(row["last_used_at"]),
    )


class SqliteMagicKeyStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_key(self, key: MagicKey) -> None:
        await self._db.write(
            lambda conn: conn.execute(
                f"INSERT INTO magic_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.id,
                    key.key_hash,
                    key.label,
                    int(key.enabled),
                    to_iso(key.created_at),
                    to_iso_or_none(key.expires_at),
                    key.requests_per_minute,
                    to_iso_or_none(key.last_used_at),
                ),
            )
        )

    async def key_by_hash(self, key_hash: str) -> MagicKey | None:
        def work(conn: sqlite3.Connection) -> MagicKey | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM magic_keys WHERE key_hash = ?", (key_hash,)
            ).fetchone()
            return None if row is None else _key(row)

        return await self._db.read(work)

    async def list_keys(self) -> list[MagicKey]:
        def work(conn: sqlite3.Connection) -> list[MagicKey]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM magic_keys ORDER BY created_at, id")
            return [_key(row) for row in rows.fetchall()]

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
