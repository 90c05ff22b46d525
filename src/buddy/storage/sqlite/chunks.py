"""Document chunks, their pages and the FTS5 keyword index."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from buddy.storage.records import (
    Chunk,
    DocPage,
    IndexInfo,
    ScoredChunk,
    SearchMode,
    VectorRow,
    VectorTable,
    key_range,
)
from buddy.storage.sqlite.codec import (
    bump_version,
    fts_query,
    load_tuple,
    read_version,
    unpack_vector,
)
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table
from buddy.storage.terms import chunk_terms

CHUNKS = Table(Chunk, "chunks", extra=("terms",))
PAGES = Table(DocPage, "pages", key="key")
# Search reads text only: decoding 384 floats per chunk into Python is wasted work there.
_TEXT_ONLY = ("vector",)
VERSION_KEY = "chunks-version"


# Many values bound as one JSON array: one statement however many there are.
_ANY_OF = "(SELECT value FROM json_each(?))"


def _json(values: Sequence[str]) -> str:
    return json.dumps(list(dict.fromkeys(values)))


def _filters(tags: Sequence[str], languages: Sequence[str]) -> tuple[str, list[str]]:
    clauses = ["EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = ?)" for _ in tags]
    if languages:
        clauses.append(f"c.language IN ({', '.join('?' * len(languages))})")
    return (" AND " + " AND ".join(clauses) if clauses else "", [*tags, *languages])


class SqliteChunkStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def page_hashes(self) -> dict[str, str]:
        def work(conn: sqlite3.Connection) -> dict[str, str]:
            rows = conn.execute("SELECT key, content_hash FROM pages").fetchall()
            return {row["key"]: row["content_hash"] for row in rows}

        return await self._db.read(work)

    async def replace_page(self, page: DocPage, chunks: Sequence[Chunk]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM chunks WHERE page_key = ?", (page.key,))
            conn.execute(PAGES.upsert_sql(), PAGES.values(page))
            conn.executemany(
                CHUNKS.insert_sql(),
                [
                    CHUNKS.values(replace(chunk, page_key=page.key), chunk_terms(chunk))
                    for chunk in chunks
                ],
            )
            bump_version(conn, VERSION_KEY)

        await self._db.write(work)

    async def delete_pages(self, keys: Sequence[str]) -> int:
        def work(conn: sqlite3.Connection) -> int:
            removed = 0
            for key in keys:
                conn.execute("DELETE FROM chunks WHERE page_key = ?", (key,))
                removed += conn.execute("DELETE FROM pages WHERE key = ?", (key,)).rowcount
            if removed:
                bump_version(conn, VERSION_KEY)
            return removed

        return await self._db.write(work)

    async def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        def work(conn: sqlite3.Connection) -> list[Chunk]:
            rows = conn.execute(
                f"SELECT {CHUNKS.columns()} FROM chunks WHERE id IN {_ANY_OF}", (_json(ids),)
            ).fetchall()
            found = {row["id"]: CHUNKS.read(row) for row in rows}
            return [found[chunk_id] for chunk_id in ids if chunk_id in found]

        return await self._db.read(work)

    async def pages(self) -> list[DocPage]:
        def work(conn: sqlite3.Connection) -> list[DocPage]:
            rows = conn.execute(f"SELECT {PAGES.columns()} FROM pages ORDER BY key").fetchall()
            return [PAGES.read(row) for row in rows]

        return await self._db.read(work)

    async def chunks_of_pages(self, page_keys: Sequence[str]) -> dict[str, list[Chunk]]:
        def work(conn: sqlite3.Connection) -> dict[str, list[Chunk]]:
            rows = conn.execute(
                f"SELECT {CHUNKS.columns(without=_TEXT_ONLY)} FROM chunks "
                f"WHERE page_key IN {_ANY_OF} ORDER BY page_key, ordinal",
                (_json(page_keys),),
            ).fetchall()
            found: dict[str, list[Chunk]] = {}
            for row in rows:
                found.setdefault(row["page_key"], []).append(CHUNKS.read(row))
            return found

        return await self._db.read(work)

    async def vector_table(self, dimension: int) -> VectorTable:
        def work(conn: sqlite3.Connection) -> VectorTable:
            rows = conn.execute(
                "SELECT id, page_key, language, tags, vector FROM chunks ORDER BY rowid"
            ).fetchall()
            return VectorTable.of(
                [
                    VectorRow(
                        row["id"],
                        row["page_key"],
                        row["language"],
                        load_tuple(row["tags"]),
                        np.frombuffer(row["vector"], dtype=np.float32),
                    )
                    for row in rows
                ],
                dimension,
            )

        return await self._db.read(work)

    async def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, tuple[float, ...]]:
        def work(conn: sqlite3.Connection) -> dict[str, tuple[float, ...]]:
            rows = conn.execute(
                f"SELECT text_hash, vector FROM chunks WHERE text_hash IN {_ANY_OF}",
                (_json(hashes),),
            ).fetchall()
            found: dict[str, tuple[float, ...]] = {}
            for row in rows:
                if row["text_hash"] not in found:
                    found[row["text_hash"]] = unpack_vector(row["vector"])
            return found

        return await self._db.read(work)

    async def chunks_version(self) -> int:
        return await self._db.read(lambda conn: read_version(conn, VERSION_KEY))

    async def keyword_search(
        self, query: str, limit: int, tags: Sequence[str] = (), languages: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        tag_sql, tag_args = _filters(tags, languages)
        columns = CHUNKS.columns(without=_TEXT_ONLY, prefix="c.")

        def work(conn: sqlite3.Connection) -> list[ScoredChunk]:
            # bm25() is lower-is-better; weights favour title and heading over body text.
            rows = conn.execute(
                f"SELECT {columns}, bm25(chunks_fts, 4.0, 2.0, 1.0, 0.5) AS rank "
                "FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ?{tag_sql} ORDER BY rank LIMIT ?",
                [match, *tag_args, limit],
            ).fetchall()
            return [ScoredChunk(CHUNKS.read(row), -float(row["rank"])) for row in rows]

        return await self._db.read(work)

    async def vector_search(
        self,
        vector: Sequence[float],
        limit: int,
        tags: Sequence[str] = (),
        languages: Sequence[str] = (),
    ) -> list[ScoredChunk] | None:
        return None  # SQLite has no vector index: the knowledge base scores vector_table

    async def search_mode(self) -> SearchMode:
        return SearchMode(
            server_side=False, degraded=False, detail="exact vectors in memory + SQLite FTS5"
        )

    async def count_chunks(self) -> int:
        return await self._db.read(
            lambda conn: int(conn.execute("SELECT count(*) FROM chunks").fetchone()[0])
        )

    async def count_under(self, prefix: str) -> tuple[int, int]:
        low, high = key_range(prefix)

        def work(conn: sqlite3.Connection) -> tuple[int, int]:
            pages = conn.execute(
                "SELECT count(*) FROM pages WHERE key >= ? AND key < ?", (low, high)
            ).fetchone()[0]
            chunks = conn.execute(
                "SELECT count(*) FROM chunks WHERE page_key >= ? AND page_key < ?", (low, high)
            ).fetchone()[0]
            return int(pages), int(chunks)

        return await self._db.read(work)

    async def index_info(self) -> IndexInfo | None:
        def work(conn: sqlite3.Connection) -> IndexInfo | None:
            row = conn.execute("SELECT model, dimension FROM index_info WHERE id = 1").fetchone()
            return None if row is None else IndexInfo(row["model"], row["dimension"])

        return await self._db.read(work)

    async def set_index_info(self, info: IndexInfo) -> None:
        await self._db.write(
            lambda conn: conn.execute(
                "INSERT INTO index_info (id, model, dimension) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET model=excluded.model, dimension=excluded.dimension",
                (info.model, info.dimension),
            )
        )
