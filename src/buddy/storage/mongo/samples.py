"""The samples catalog in the seed's `samples` collection."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ReplaceOne

from buddy.storage.mongo.codec import bump, read_counter, strings
from buddy.storage.mongo.connection import (
    META,
    SAMPLES,
    Collection,
    Document,
    MongoDatabase,
    guarded,
)
from buddy.storage.records import Sample, UpsertCounts
from buddy.storage.upserts import Stored, plan_upsert

_VERSION_KEY = "samples-version"


def _values(sample: Sample) -> Document:
    return {
        "title": sample.title,
        "description": sample.description,
        "preview": sample.preview,
        "author": sample.author,
        "authorUrl": sample.author_url,
        "source": sample.source,
        "tags": list(sample.tags),
    }


def _sample(doc: Document) -> Sample:
    return Sample(
        id=str(doc["_id"]),
        title=str(doc.get("title", "")),
        description=str(doc.get("description", "")),
        preview=str(doc.get("preview", "")),
        author=str(doc.get("author", "")),
        author_url=str(doc.get("authorUrl", "")),
        source=str(doc.get("source", "")),
        tags=strings(doc.get("tags")),
    )


class MongoSampleStore:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @property
    def _samples(self) -> Collection:
        return self._db.collection(SAMPLES)

    @guarded
    async def upsert_samples(self, samples: Sequence[Sample]) -> UpsertCounts:
        wanted = {"_id": {"$in": [sample.id for sample in samples]}}
        found = self._samples.find(wanted, {"content_hash": 1})
        stored = {str(doc["_id"]): Stored(str(doc.get("content_hash", ""))) async for doc in found}
        plan = plan_upsert(samples, stored)
        if plan.writes:
            await self._samples.bulk_write(
                [
                    ReplaceOne(
                        {"_id": write.record.id},
                        {**_values(write.record), "content_hash": write.content_hash},
                        upsert=True,
                    )
                    for write in plan.writes
                ],
                ordered=True,
            )
            await bump(self._db.collection(META), _VERSION_KEY)
        return plan.counts

    @guarded
    async def delete_samples_except(self, keep_ids: Sequence[str]) -> int:
        keep = [str(sample_id) for sample_id in keep_ids]
        removed = (await self._samples.delete_many({"_id": {"$nin": keep}})).deleted_count
        if removed:
            await bump(self._db.collection(META), _VERSION_KEY)
        return removed

    @guarded
    async def get_sample(self, sample_id: str) -> Sample | None:
        found = await self._samples.find_one({"_id": str(sample_id)})
        return None if found is None else _sample(found)

    @guarded
    async def all_samples(self) -> list[Sample]:
        return [_sample(doc) async for doc in self._samples.find({}).sort("_id", 1)]

    @guarded
    async def samples_version(self) -> int:
        return await read_counter(self._db.collection(META), _VERSION_KEY)
