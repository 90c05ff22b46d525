"""Named values kept between runs."""

from __future__ import annotations

from datetime import UTC, datetime

from buddy.storage.mongo.connection import STATE, MongoDatabase, guarded


class MongoStateStore:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @guarded
    async def get_state(self, key: str) -> str | None:
        found = await self._db.collection(STATE).find_one({"_id": str(key)})
        return None if found is None else str(found["value"])

    @guarded
    async def set_state(self, key: str, value: str) -> None:
        await self._db.collection(STATE).replace_one(
            {"_id": str(key)},
            {"value": value, "updated_at": datetime.now(UTC)},
            upsert=True,
        )
