"""Registered knowledge sources, one document each in `knowledge_sources`, with their lease."""

from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from buddy.storage.mongo.chunks import VERSION_KEY
from buddy.storage.mongo.codec import (
    bump,
    read_time,
    read_time_or_none,
    strings,
    utc,
    utc_or_none,
)
from buddy.storage.mongo.connection import (
    CHUNKS,
    META,
    PAGES,
    SOURCES,
    Collection,
    Document,
    MongoDatabase,
    Session,
    guarded,
)
from buddy.storage.records import KnowledgeSource, SyncOutcome, key_range


def _document(source: KnowledgeSource) -> Document:
    return {
        "_id": source.name,
        "kind": source.kind,
        "location": source.location,
        "created_at": utc(source.created_at),
        "base_url": source.base_url,
        "include": list(source.include),
        "exclude": list(source.exclude),
        "branch": source.branch,
        "root": source.root,
        "every_seconds": source.every_seconds,
        "max_pages": source.max_pages,
        "max_depth": source.max_depth,
        "last_started_at": utc_or_none(source.last_started_at),
        "last_finished_at": utc_or_none(source.last_finished_at),
        "last_success_at": utc_or_none(source.last_success_at),
        "last_error": source.last_error,
        "last_summary": source.last_summary,
        "pages": source.pages,
        "chunks": source.chunks,
        "failures": list(source.failures),
        "cursor": source.cursor,
        "lease_holder": "",
        "lease_until": None,
    }


def _source(doc: Document) -> KnowledgeSource:
    return KnowledgeSource(
        name=str(doc["_id"]),
        kind=str(doc["kind"]),
        location=str(doc["location"]),
        created_at=read_time(doc.get("created_at")),
        base_url=str(doc.get("base_url", "")),
        include=strings(doc.get("include")),
        exclude=strings(doc.get("exclude")),
        branch=str(doc.get("branch", "")),
        root=str(doc.get("root", "")),
        every_seconds=int(doc.get("every_seconds", 0)),
        max_pages=int(doc.get("max_pages", 500)),
        max_depth=int(doc.get("max_depth", 5)),
        last_started_at=read_time_or_none(doc.get("last_started_at")),
        last_finished_at=read_time_or_none(doc.get("last_finished_at")),
        last_success_at=read_time_or_none(doc.get("last_success_at")),
        last_error=str(doc.get("last_error", "")),
        last_summary=str(doc.get("last_summary", "")),
        pages=int(doc.get("pages", 0)),
        chunks=int(doc.get("chunks", 0)),
        failures=strings(doc.get("failures")),
        cursor=str(doc.get("cursor", "")),
    )


class MongoSourceStore:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @property
    def _sources(self) -> Collection:
        return self._db.collection(SOURCES)

    @guarded
    async def add_source(self, source: KnowledgeSource) -> bool:
        try:
            await self._sources.insert_one(_document(source))
        except DuplicateKeyError:
            return False
        return True

    @guarded
    async def get_source(self, name: str) -> KnowledgeSource | None:
        found = await self._sources.find_one({"_id": str(name)})
        return None if found is None else _source(found)

    @guarded
    async def list_sources(self) -> list[KnowledgeSource]:
        return [_source(doc) async for doc in self._sources.find({}).sort("_id", 1)]

    @guarded
    async def record_sync(self, name: str, outcome: SyncOutcome) -> None:
        changes: Document = {
            "last_started_at": utc(outcome.started_at),
            "last_finished_at": utc(outcome.finished_at),
            "last_error": outcome.error,
            "last_summary": outcome.summary,
            "pages": outcome.pages,
            "chunks": outcome.chunks,
            "failures": list(outcome.failures),
        }
        if not outcome.error:
            changes["last_success_at"] = utc(outcome.finished_at)
        if outcome.cursor is not None:
            changes["cursor"] = outcome.cursor
        await self._sources.update_one({"_id": str(name)}, {"$set": changes})

    @guarded
    async def remove_source(self, name: str) -> int | None:
        """One transaction where the deployment has them (replica sets, Atlas). A standalone
        server has none: pages go first and the source last, so a removal cut short leaves
        the source listed and running it again finishes the job."""
        if await self._sources.find_one({"_id": str(name)}, {"_id": 1}) is None:
            return None
        if not await self._db.transactions():
            return await self._remove(name, None)
        async with self._db.client.start_session() as session:
            removed: int = await session.with_transaction(lambda inside: self._remove(name, inside))
        return removed

    async def _remove(self, name: str, session: Session | None) -> int:
        low, high = key_range(f"{name}/")
        chunks, pages = self._db.collection(CHUNKS), self._db.collection(PAGES)
        await chunks.delete_many({"page_key": {"$gte": low, "$lt": high}}, session=session)
        gone = await pages.delete_many({"_id": {"$gte": low, "$lt": high}}, session=session)
        await bump(self._db.collection(META), VERSION_KEY, session)
        await self._sources.delete_one({"_id": str(name)}, session=session)
        return int(gone.deleted_count)

    @guarded
    async def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        mine_or_free = {"lease_holder": {"$in": ["", holder]}}
        free = {"$or": [mine_or_free, {"lease_until": {"$lt": utc(now)}}]}
        result = await self._sources.update_one(
            {"_id": str(name), **free},
            {"$set": {"lease_holder": holder, "lease_until": utc(until)}},
        )
        return result.matched_count > 0

    @guarded
    async def release_lease(self, name: str, holder: str) -> None:
        await self._sources.update_one(
            {"_id": str(name), "lease_holder": holder},
            {"$set": {"lease_holder": "", "lease_until": None}},
        )
