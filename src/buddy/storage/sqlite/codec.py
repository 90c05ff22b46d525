"""Conversions between records and SQLite column values."""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Iterable
from datetime import UTC, datetime

from buddy.storage.terms import query_words


def to_iso(value: datetime) -> str:
    """UTC ISO 8601 with a fixed width, so text order is time order."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else to_iso(value)


def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def from_iso_or_none(value: str | None) -> datetime | None:
    return None if value is None else from_iso(value)


def dump_list(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def load_tuple(text: str) -> tuple[str, ...]:
    return tuple(str(item) for item in json.loads(text))


def fts_query(text: str) -> str | None:
    """Turn free text into an FTS5 query of quoted words joined by OR; None when no word."""
    words = query_words(text)
    if not words:
        return None
    return " OR ".join(f'"{word}"' for word in dict.fromkeys(words))


def pack_vector(vector: Iterable[float]) -> bytes:
    return array("f", vector).tobytes()


def unpack_vector(blob: bytes) -> tuple[float, ...]:
    values = array("f")
    values.frombytes(blob)
    return tuple(values)


def bump_version(conn: sqlite3.Connection, key: str) -> None:
    """Advance a change counter in the state table, inside the caller's transaction."""
    conn.execute(
        "INSERT INTO state (key, value, updated_at) VALUES (?, '1', datetime('now')) "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, "
        "updated_at = excluded.updated_at",
        (key,),
    )


def read_version(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
    return 0 if row is None else int(row[0])
