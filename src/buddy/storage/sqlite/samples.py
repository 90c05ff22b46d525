"""The samples gallery: literal search, all-tags filter, sorted tag list."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from buddy.storage.records import Paged, PageRequest, Sample, UpsertCounts
from buddy.storage.sqlite.codec import content_hash, dump_list, fold, load_tuple
from buddy.storage.sqlite.database import SqliteDatabase

_COLUMNS = "id, title, description, preview, author, author_url, source, tags"


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
        folded_tags = dump_list(tag.casefold() for tag in sample.tags)
        search_text = fold(sample.title, sample.description, sample.author, *sample.tags)
        conn.execute(
            f"INSERT INTO samples ({_COLUMNS}, folded_tags, search_text, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "title=excluded.title, description=excluded.description, preview=excluded.preview, "
            "author=excluded.author, author_url=excluded.author_url, source=excluded.source, "
            "tags=excluded.tags, folded_tags=excluded.folded_tags, "
            "search_text=excluded.search_text, content_hash=excluded.content_hash",
            (*values, folded_tags, search_text, digest),
        )
        counts += UpsertCounts(new=1) if row is None else UpsertCounts(updated=1)
    return counts


def _filters(search: str | None, tags: Sequence[str]) -> tuple[str, list[str]]:
    clauses: list[str] = []
    args: list[str] = []
    if search:
        clauses.append("instr(search_text, ?) > 0")
        args.append(search.casefold())
    for tag in dict.fromkeys(tag.casefold() for tag in tags):
        clauses.append("EXISTS (SELECT 1 FROM json_each(folded_tags) WHERE value = ?)")
        args.append(tag)
    return ("WHERE " + " AND ".join(clauses) if clauses else "", args)


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
            return len(gone)

        return await self._db.write(work)

    async def list_samples(
        self, paging: PageRequest, search: str | None = None, tags: Sequence[str] = ()
    ) -> Paged[Sample]:
        where, args = _filters(search, tags)

        def work(conn: sqlite3.Connection) -> Paged[Sample]:
            total = int(conn.execute(f"SELECT count(*) FROM samples {where}", args).fetchone()[0])
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM samples {where} "
                "ORDER BY title COLLATE NOCASE, id LIMIT ? OFFSET ?",
                [*args, paging.page_size, paging.offset],
            ).fetchall()
            return Paged([_sample(row) for row in rows], total, paging.page, paging.page_size)

        return await self._db.read(work)

    async def get_sample(self, sample_id: str) -> Sample | None:
        def work(conn: sqlite3.Connection) -> Sample | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM samples WHERE id = ?", (sample_id,)
            ).fetchone()
            return None if row is None else _sample(row)

        return await self._db.read(work)

    async def sample_tags(self) -> list[str]:
        def work(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT DISTINCT json_each.value AS tag FROM samples, json_each(samples.tags)"
            ).fetchall()
            return sorted({str(row["tag"]) for row in rows}, key=lambda tag: (tag.casefold(), tag))

        return await self._db.read(work)
