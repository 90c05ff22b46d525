"""Document chunks in the seed's `document_chunks` collection, their pages, and search."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence

from pymongo import ReplaceOne
from pymongo.errors import OperationFailure

from buddy.storage.mongo.codec import (
    bump,
    floats32,
    read_counter,
    read_time_or_none,
    strings,
    tokens,
    utc_or_none,
    words,
)
from buddy.storage.mongo.connection import (
    CHUNKS,
    META,
    PAGES,
    Collection,
    Document,
    MongoDatabase,
    Session,
    guarded,
)
from buddy.storage.mongo.search import (
    TEXT_ONLY,
    ServerSearch,
    cosine_from_score,
    fallback_keyword_search,
    text_search_pipeline,
    vector_search_pipeline,
)
from buddy.storage.records import (
    Chunk,
    DocPage,
    IndexInfo,
    ScoredChunk,
    SearchMode,
    VectorTable,
    key_range,
)
from buddy.storage.terms import chunk_terms

VERSION_KEY = "chunks-version"
_INDEX_INFO_KEY = "index-info"


def chunk_document(chunk: Chunk) -> Document:
    """The seed's fields (title, content, embeddings, sourceUrl, tags) plus ours."""
    text, terms = f"{chunk.title} {chunk.heading} {chunk.content}", chunk_terms(chunk)
    return {
        "_id": chunk.id,
        "title": chunk.title,
        "content": chunk.content,
        "embeddings": floats32(chunk.vector),
        "sourceUrl": chunk.url,
        "tags": list(chunk.tags),
        "page_key": chunk.page_key,
        "ordinal": chunk.ordinal,
        "heading": chunk.heading,
        "source_path": chunk.source_path,
        "language": chunk.language,
        "updated": utc_or_none(chunk.updated),
        "text_hash": chunk.text_hash,
        # Identifier parts (IChatClient -> chat client) for Atlas Search ...
        "terms": terms,
        # ... and every word once, so the fallback search can pick candidates by index.
        "keywords": sorted({*tokens(text), *terms.split()}),
    }


def read_chunk(doc: Document) -> Chunk:
    """A chunk from our shape or the seed's (which has no page key, heading or ordinal)."""
    url = str(doc.get("sourceUrl", ""))
    return Chunk(
        id=str(doc["_id"]),
        page_key=str(doc.get("page_key") or url),
        ordinal=int(doc.get("ordinal", 0)),
        title=str(doc.get("title", "")),
        heading=str(doc.get("heading", "")),
        content=str(doc.get("content", "")),
        url=url,
        source_path=str(doc.get("source_path", "")),
        language=str(doc.get("language", "csharp")),
        tags=strings(doc.get("tags")),
        updated=read_time_or_none(doc.get("updated")),
        vector=tuple(float(value) for value in doc.get("embeddings") or ()),
        text_hash=str(doc.get("text_hash", "")),
    )


def _page_document(page: DocPage) -> Document:
    return {
        "_id": page.key,
        "title": page.title,
        "url": page.url,
        "source_path": page.source_path,
        "content_hash": page.content_hash,
        "updated": utc_or_none(page.updated),
    }


class MongoChunkStore:
    def __init__(
        self, db: MongoDatabase, num_candidates: int, search_limit: int, fallback_candidates: int
    ) -> None:
        self._db = db
        self._num_candidates = num_candidates
        self._search_limit = search_limit
        self._fallback_candidates = fallback_candidates
        self._search = ServerSearch()

    @property
    def _chunks(self) -> Collection:
        return self._db.collection(CHUNKS)

    @property
    def _pages(self) -> Collection:
        return self._db.collection(PAGES)

    @property
    def _meta(self) -> Collection:
        return self._db.collection(META)

    @guarded
    async def page_hashes(self) -> dict[str, str]:
        found = self._pages.find({}, {"content_hash": 1})
        return {str(doc["_id"]): str(doc["content_hash"]) async for doc in found}

    @guarded
    async def pages(self) -> list[DocPage]:
        found = self._pages.find({}).sort("_id", 1)
        return [
            DocPage(
                key=str(doc["_id"]),
                title=str(doc.get("title", "")),
                url=str(doc.get("url", "")),
                source_path=str(doc.get("source_path", "")),
                content_hash=str(doc.get("content_hash", "")),
                updated=read_time_or_none(doc.get("updated")),
            )
            async for doc in found
        ]

    @guarded
    async def replace_page(self, page: DocPage, chunks: Sequence[Chunk]) -> None:
        if await self._db.transactions():
            async with self._db.client.start_session() as session:
                await session.with_transaction(
                    lambda inside: self._write_page(page, chunks, inside)
                )
        else:
            await self._write_page(page, chunks, None)

    async def _write_page(
        self, page: DocPage, chunks: Sequence[Chunk], session: Session | None
    ) -> None:
        # Without a transaction (a standalone server has none) the order still keeps readers
        # safe: new chunks land first, then the page's leftovers go.
        ids = [chunk.id for chunk in chunks]
        if chunks:
            await self._chunks.bulk_write(
                [
                    ReplaceOne({"_id": chunk.id}, chunk_document(chunk), upsert=True)
                    for chunk in chunks
                ],
                ordered=False,
                session=session,
            )
        await self._chunks.delete_many(
            {"page_key": page.key, "_id": {"$nin": ids}}, session=session
        )
        await self._pages.replace_one(
            {"_id": page.key}, _page_document(page), upsert=True, session=session
        )
        await bump(self._meta, VERSION_KEY, session)

    @guarded
    async def delete_pages(self, keys: Sequence[str]) -> int:
        removed = 0
        for key in keys:
            await self._chunks.delete_many({"page_key": str(key)})
            removed += (await self._pages.delete_one({"_id": str(key)})).deleted_count
        if removed:
            await bump(self._meta, VERSION_KEY)
        return removed

    @guarded
    async def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        wanted = [str(chunk_id) for chunk_id in dict.fromkeys(ids)]
        found = {
            chunk.id: chunk
            async for chunk in _chunks_of(self._chunks.find({"_id": {"$in": wanted}}))
        }
        return [found[chunk_id] for chunk_id in ids if chunk_id in found]

    @guarded
    async def chunks_of_pages(self, page_keys: Sequence[str]) -> dict[str, list[Chunk]]:
        wanted = {"page_key": {"$in": [str(key) for key in dict.fromkeys(page_keys)]}}
        found: dict[str, list[Chunk]] = {}
        cursor = self._chunks.find(wanted, TEXT_ONLY).sort([("page_key", 1), ("ordinal", 1)])
        async for chunk in _chunks_of(cursor):
            found.setdefault(chunk.page_key, []).append(chunk)
        return found

    @guarded
    async def vector_table(self, dimension: int) -> VectorTable:
        found = self._chunks.find(
            {}, {"page_key": 1, "language": 1, "tags": 1, "embeddings": 1, "sourceUrl": 1}
        ).sort([("page_key", 1), ("ordinal", 1), ("_id", 1)])
        rows = [read_chunk(doc) async for doc in found]
        return VectorTable.of(rows, dimension)

    @guarded
    async def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, tuple[float, ...]]:
        wanted = [str(text_hash) for text_hash in dict.fromkeys(hashes)]
        found: dict[str, tuple[float, ...]] = {}
        cursor = self._chunks.find(
            {"text_hash": {"$in": wanted}}, {"text_hash": 1, "embeddings": 1}
        )
        async for doc in cursor:
            found.setdefault(str(doc["text_hash"]), tuple(floats32(doc.get("embeddings") or ())))
        return found

    @guarded
    async def chunks_version(self) -> int:
        return await read_counter(self._meta, VERSION_KEY)

    @guarded
    async def keyword_search(
        self, query: str, limit: int, tags: Sequence[str] = (), languages: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        query_words = words(query)
        if not query_words or limit <= 0:
            return []
        if (await self._search.mode(self._chunks)).server_side:
            pipeline = text_search_pipeline(
                " ".join(query_words), min(limit, self._search_limit), tags, languages
            )
            try:
                return await self._scored(pipeline, lambda score: score)
            except OperationFailure as exc:
                self._search.give_up(f"Atlas Search failed ({exc.code})")
        found = await fallback_keyword_search(
            self._chunks,
            query_words,
            limit,
            self._fallback_candidates,
            tags=tags,
            languages=languages,
        )
        return [ScoredChunk(read_chunk(doc), score) for doc, score in found]

    @guarded
    async def vector_search(
        self,
        vector: Sequence[float],
        limit: int,
        tags: Sequence[str] = (),
        languages: Sequence[str] = (),
    ) -> list[ScoredChunk] | None:
        if limit <= 0 or not (await self._search.mode(self._chunks)).server_side:
            return None
        pipeline = vector_search_pipeline(
            vector, min(limit, self._search_limit), self._num_candidates, tags, languages
        )
        try:
            return await self._scored(pipeline, cosine_from_score)
        except OperationFailure as exc:
            self._search.give_up(f"Atlas Vector Search failed ({exc.code})")
            return None

    @guarded
    async def search_mode(self) -> SearchMode:
        return await self._search.mode(self._chunks)

    def forget_search_mode(self) -> None:
        """Ask the server again on the next search (search indexes were just made)."""
        self._search = ServerSearch()

    @guarded
    async def count_chunks(self) -> int:
        return await self._chunks.count_documents({})

    @guarded
    async def count_under(self, prefix: str) -> tuple[int, int]:
        low, high = key_range(prefix)
        pages = await self._pages.count_documents({"_id": {"$gte": low, "$lt": high}})
        chunks = await self._chunks.count_documents({"page_key": {"$gte": low, "$lt": high}})
        return pages, chunks

    @guarded
    async def index_info(self) -> IndexInfo | None:
        found = await self._meta.find_one({"_id": _INDEX_INFO_KEY})
        return None if found is None else IndexInfo(str(found["model"]), int(found["dimension"]))

    @guarded
    async def set_index_info(self, info: IndexInfo) -> None:
        await self._meta.replace_one(
            {"_id": _INDEX_INFO_KEY},
            {"model": info.model, "dimension": info.dimension},
            upsert=True,
        )

    async def _scored(
        self, pipeline: list[Document], to_score: Callable[[float], float]
    ) -> list[ScoredChunk]:
        cursor = await self._chunks.aggregate(pipeline)
        return [
            ScoredChunk(read_chunk(doc), to_score(float(doc.get("score", 0.0))))
            async for doc in cursor
        ]


async def _chunks_of(cursor: AsyncIterable[Document]) -> AsyncIterator[Chunk]:
    async for doc in cursor:
        yield read_chunk(doc)
