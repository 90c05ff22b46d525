"""The samples gallery: literal search, all-tags filter, sorted tag list."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from buddy.storage.records import Sample, UpsertCounts
from buddy.storage.sqlite.codec import (
    bump_version,
    content_hash,
    dump_list,
    load_tuple,
    read_version,
)
from buddy.storage.sqlite.database import SqliteDatabase

_COLUMNS = "id, title, description, preview, author, author_url, source, tags"
_VERSION_KEY = "samples-version"


def _sample(row: sqlite3.Row) -> Sample:
    return Sample(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        preview=row["preview"],
        author=row["author"],
        author_url=row["author_url"],
        source=row["source"],
        tags=load_tuple(row["tags"]),
    )


def _upsert(conn: sqlite3.Connection, samples: Sequence[Sample]) -> UpsertCounts:
    counts = UpsertCounts()
    for sample in samples:
        values = (
            sample.id,
            sample.title,
            sample.description,
            sample.preview,
            sample.author,
            sample.author_url,
            sample.source,
            dump_list(sample.tags),
        )
        digest = content_hash(*values)
        row = conn.execute("SELECT content_hash FROM samples WHERE id = ?", (sample.id,)).fetchone()
        if row is not None and row["content_hash"] == digest:
            counts += UpsertCounts(unchanged=1)
            continue
        conn.execute(
            f"INSERT INTO samples ({_COLUMNS}, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "title=excluded.title, description=excluded.description, preview=excluded.preview, "
            "author=excluded.author, author_url=excluded.author_url, source=excluded.source, "
            "tags=excluded.tags, content_hash=excluded.content_hash",
            (*values, digest),
        )
        counts += UpsertCounts(new=1) if row is None else UpsertCounts(updated=1)
    if counts.new or counts.updated:
        bump_version(conn, _VERSION_KEY)
    return counts


class SqliteSampleStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def upsert_samples(self, samples: Sequence[Sample]) -> UpsertCounts:
        return await self._db.write(lambda conn: _upsert(conn, samples))

    async def delete_samples_except(self, keep_ids: Sequence[str]) -> int:
        def work(conn: sqlite3.Connection) -> int:
            keep = set(keep_ids)
            ids = [row["id"] for row in conn.execute("SELECT id FROM samples").fetchall()]
            gone = [sample_id for sample_id in ids if sample_id not in keep]
            conn.executemany("DELETE FROM samples WHERE id = ?", [(item,) for item in gone])
            if gone:
                bump_version(conn, _VERSION_KEY)
            return len(gone)

        return await self._db.write(work)

    async def get_sample(self, sample_id: str) -> Sample | None:
        def work(conn: sqlite3.Connection) -> Sample | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM samples WHERE id = ?", (sample_id,)
            ).fetchone()
            return None if row is None else _sample(row)

        return await self._db.read(work)

    async def all_samples(self) -> list[Sample]:
        def work(conn: sqlite3.Connection) -> list[Sample]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM samples ORDER BY id").fetchall()
            return [_sample(row) for row in rows]

        return await self._db.read(work)

    async def samples_version(self) -> int:
        return await self._db.read(lambda conn: read_version(conn, _VERSION_KEY))
