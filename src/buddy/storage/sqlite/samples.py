"""The samples gallery: literal search, all-tags filter, sorted tag list."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from buddy.storage.records import Sample, UpsertCounts
from buddy.storage.sqlite.codec import bump_version, read_version
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table
from buddy.storage.upserts import Stored, plan_upsert

SAMPLES = Table(Sample, "samples", extra=("content_hash",))
_VERSION_KEY = "samples-version"


def _upsert(conn: sqlite3.Connection, samples: Sequence[Sample]) -> UpsertCounts:
    rows = conn.execute(
        "SELECT id, content_hash FROM samples WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps([sample.id for sample in samples]),),
    ).fetchall()
    plan = plan_upsert(samples, {row["id"]: Stored(row["content_hash"]) for row in rows})
    conn.executemany(
        SAMPLES.upsert_sql(),
        [SAMPLES.values(write.record, write.content_hash) for write in plan.writes],
    )
    if plan.writes:
        bump_version(conn, _VERSION_KEY)
    return plan.counts


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
                f"SELECT {SAMPLES.columns()} FROM samples WHERE id = ?", (sample_id,)
            ).fetchone()
            return None if row is None else SAMPLES.read(row)

        return await self._db.read(work)

    async def all_samples(self) -> list[Sample]:
        def work(conn: sqlite3.Connection) -> list[Sample]:
            rows = conn.execute(f"SELECT {SAMPLES.columns()} FROM samples ORDER BY id").fetchall()
            return [SAMPLES.read(row) for row in rows]

        return await self._db.read(work)

    async def samples_version(self) -> int:
        return await self._db.read(lambda conn: read_version(conn, _VERSION_KEY))
