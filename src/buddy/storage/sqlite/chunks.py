"""Document chunks, their pages and the FTS5 keyword index."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from buddy.storage.records import (
    Chunk,
    DocPage,
    IndexInfo,
    ScoredChunk,
    SearchMode,
    VectorTable,
)
from buddy.storage.sqlite.codec import (
    bump_version,
    dump_list,
    from_iso_or_none,
    fts_query,
    load_tuple,
    pack_vector,
    read_version,
    to_iso_or_none,
    unpack_vector,
)
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.terms import identifier_terms

_CHUNK_COLUMNS = (
    "id, page_key, ordinal, title, heading, content, url, source_path, language, tags, updated, "
    "vector, text_hash"
)
# Search reads text only: decoding 384 floats per chunk into Python is wasted work there.
_TEXT_COLUMNS = _CHUNK_COLUMNS.replace("vector, ", "")
_VERSION_KEY = "chunks-version"


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"],
        page_key=row["page_key"],
        ordinal=row["ordinal"],
        title=row["title"],
        heading=row["heading"],
        content=row["content"],
        url=row["url"],
        source_path=row["source_path"],
        language=row["language"],
        tags=load_tuple(row["tags"]),
        updated=from_iso_or_none(row["updated"]),
        # sqlite3.Row: `in row` tests values, so the keys must be asked for.
        vector=unpack_vector(row["vector"]) if "vector" in row.keys() else (),  # noqa: SIM118
        text_hash=row["text_hash"],
    )


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
            conn.execute(
                "INSERT INTO pages (key, title, url, source_path, content_hash, updated) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET title=excluded.title, "
                "url=excluded.url, source_path=excluded.source_path, "
                "content_hash=excluded.content_hash, updated=excluded.updated",
                (
                    page.key,
                    page.title,
                    page.url,
                    page.source_path,
                    page.content_hash,
                    to_iso_or_none(page.updated),
                ),
            )
            conn.executemany(
                f"INSERT INTO chunks ({_CHUNK_COLUMNS}, terms) VALUES ({', '.join('?' * 14)})",
                [
                    (
                        chunk.id,
                        page.key,
                        chunk.ordinal,
                        chunk.title,
                        chunk.heading,
                        chunk.content,
                        chunk.url,
                        chunk.source_path,
                        chunk.language,
                        dump_list(chunk.tags),
                        to_iso_or_none(chunk.updated),
                        pack_vector(chunk.vector),
                        chunk.text_hash,
                        identifier_terms(f"{chunk.title} {chunk.heading} {chunk.content}"),
                    )
                    for chunk in chunks
                ],
            )
            bump_version(conn, _VERSION_KEY)

        await self._db.write(work)

    async def delete_pages(self, keys: Sequence[str]) -> int:
        def work(conn: sqlite3.Connection) -> int:
            removed = 0
            for key in keys:
                conn.execute("DELETE FROM chunks WHERE page_key = ?", (key,))
                removed += conn.execute("DELETE FROM pages WHERE key = ?", (key,)).rowcount
            if removed:
                bump_version(conn, _VERSION_KEY)
            return removed

        return await self._db.write(work)

    async def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        def work(conn: sqlite3.Connection) -> list[Chunk]:
            found: dict[str, Chunk] = {}
            for chunk_id in dict.fromkeys(ids):
                row = conn.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id = ?", (chunk_id,)
                ).fetchone()
                if row is not None:
                    found[chunk_id] = _chunk(row)
            return [found[chunk_id] for chunk_id in ids if chunk_id in found]

        return await self._db.read(work)

    async def pages(self) -> list[DocPage]:
        def work(conn: sqlite3.Connection) -> list[DocPage]:
            rows = conn.execute(
                "SELECT key, title, url, source_path, content_hash, updated FROM pages ORDER BY key"
            ).fetchall()
            return [
                DocPage(
                    key=row["key"],
                    title=row["title"],
                    url=row["url"],
                    source_path=row["source_path"],
                    content_hash=row["content_hash"],
                    updated=from_iso_or_none(row["updated"]),
                )
                for row in rows
            ]

        return await self._db.read(work)

    async def page_chunks(self, page_key: str) -> list[Chunk]:
        def work(conn: sqlite3.Connection) -> list[Chunk]:
            rows = conn.execute(
                f"SELECT {_TEXT_COLUMNS} FROM chunks WHERE page_key = ? ORDER BY ordinal",
                (page_key,),
            ).fetchall()
            return [_chunk(row) for row in rows]

        return await self._db.read(work)

    async def vector_table(self, dimension: int) -> VectorTable:
        def work(conn: sqlite3.Connection) -> VectorTable:
            rows = conn.execute(
                "SELECT id, page_key, language, tags, vector FROM chunks ORDER BY rowid"
            ).fetchall()
            matrix = np.zeros((len(rows), dimension), dtype=np.float32)
            for index, row in enumerate(rows):
                vector = np.frombuffer(row["vector"], dtype=np.float32)
                if vector.shape[0] == dimension:
                    matrix[index] = vector
            return VectorTable(
                ids=[row["id"] for row in rows],
                page_keys=[row["page_key"] for row in rows],
                languages=[row["language"] for row in rows],
                tags=[load_tuple(row["tags"]) for row in rows],
                matrix=matrix,
            )

        return await self._db.read(work)

    async def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, tuple[float, ...]]:
        def work(conn: sqlite3.Connection) -> dict[str, tuple[float, ...]]:
            found: dict[str, tuple[float, ...]] = {}
            for text_hash in dict.fromkeys(hashes):
                row = conn.execute(
                    "SELECT vector FROM chunks WHERE text_hash = ? LIMIT 1", (text_hash,)
                ).fetchone()
                if row is not None:
                    found[text_hash] = unpack_vector(row["vector"])
            return found

        return await self._db.read(work)

    async def chunks_version(self) -> int:
        return await self._db.read(lambda conn: read_version(conn, _VERSION_KEY))

    async def keyword_search(
        self, query: str, limit: int, tags: Sequence[str] = (), languages: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        tag_sql, tag_args = _filters(tags, languages)
        columns = ", ".join(f"c.{name.strip()}" for name in _TEXT_COLUMNS.split(","))

        def work(conn: sqlite3.Connection) -> list[ScoredChunk]:
            # bm25() is lower-is-better; weights favour title and heading over body text.
            rows = conn.execute(
                f"SELECT {columns}, bm25(chunks_fts, 4.0, 2.0, 1.0, 0.5) AS rank "
                "FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ?{tag_sql} ORDER BY rank LIMIT ?",
                [match, *tag_args, limit],
            ).fetchall()
            return [ScoredChunk(_chunk(row), -float(row["rank"])) for row in rows]

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
