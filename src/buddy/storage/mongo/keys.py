"""Magic keys in the seed's `userRegistrations` collection, stored by hash.

The seed kept the raw key as `_id` with an `is_enabled` flag. Those documents are still
read (hashed in memory with the pepper, so lookups by hash find them) until
`buddy db init` rewrites them into the hashed shape and drops the raw keys.
"""

from __future__ import annotations

from datetime import datetime

from buddy.storage.hashing import hash_key
from buddy.storage.mongo.codec import read_time, read_time_or_none, utc, utc_or_none
from buddy.storage.mongo.connection import KEYS, Collection, Document, MongoDatabase, guarded
from buddy.storage.records import MagicKey

# Documents in our shape carry `key_hash`; the seed's never do.
_LEGACY: Document = {"key_hash": {"$exists": False}}


def _document(key: MagicKey) -> Document:
    return {
        "_id": key.id,
        "key_hash": key.key_hash,
        "label": key.label,
        "enabled": key.enabled,
        "created_at": utc(key.created_at),
        "expires_at": utc_or_none(key.expires_at),
        "requests_per_minute": key.requests_per_minute,
        "last_used_at": utc_or_none(key.last_used_at),
        "admin": key.admin,
    }


def _key(doc: Document) -> MagicKey:
    limit = doc.get("requests_per_minute")
    return MagicKey(
        id=str(doc["_id"]),
        key_hash=str(doc["key_hash"]),
        label=str(doc.get("label", "")),
        enabled=bool(doc.get("enabled", True)),
        created_at=read_time(doc.get("created_at")),
        expires_at=read_time_or_none(doc.get("expires_at")),
        requests_per_minute=None if limit is None else int(limit),
        last_used_at=read_time_or_none(doc.get("last_used_at")),
        admin=bool(doc.get("admin", False)),
    )


class MongoMagicKeyStore:
    def __init__(self, db: MongoDatabase, pepper: str) -> None:
        self._db = db
        self._pepper = pepper

    @property
    def _keys(self) -> Collection:
        return self._db.collection(KEYS)

    def _from_legacy(self, doc: Document) -> MagicKey:
        """The seed's shape seen as ours; the raw key never leaves this function."""
        key_hash = hash_key(str(doc["_id"]), self._pepper)
        return MagicKey(
            id=f"seed-{key_hash[:12]}",
            key_hash=key_hash,
            label=str(doc.get("email") or doc.get("name") or "seed registration"),
            enabled=bool(doc.get("is_enabled", False)),
            created_at=read_time(doc.get("created_at") or doc.get("createdAt")),
            last_used_at=read_time_or_none(doc.get("last_used_at")),
        )

    async def _legacy(self) -> list[tuple[Document, MagicKey]]:
        if not self._pepper:
            return []  # without a pepper no key can be checked, seed ones included
        return [(doc, self._from_legacy(doc)) async for doc in self._keys.find(_LEGACY)]

    @guarded
    async def add_key(self, key: MagicKey) -> None:
        await self._keys.insert_one(_document(key))

    @guarded
    async def key_by_hash(self, key_hash: str) -> MagicKey | None:
        found = await self._keys.find_one({"key_hash": {"$eq": str(key_hash)}})
        if found is not None:
            return _key(found)
        return next((key for _, key in await self._legacy() if key.key_hash == key_hash), None)

    @guarded
    async def list_keys(self) -> list[MagicKey]:
        ours = [_key(doc) async for doc in self._keys.find({"key_hash": {"$exists": True}})]
        keys = ours + [key for _, key in await self._legacy()]
        return sorted(keys, key=lambda key: (key.created_at, key.id))

    @guarded
    async def set_key_enabled(self, key_id: str, enabled: bool) -> bool:
        result = await self._keys.update_one(
            {"_id": str(key_id), "key_hash": {"$exists": True}}, {"$set": {"enabled": enabled}}
        )
        if result.matched_count:
            return True
        for doc, key in await self._legacy():
            if key.id == key_id:
                await self._keys.update_one({"_id": doc["_id"]}, {"$set": {"is_enabled": enabled}})
                return True
        return False

    @guarded
    async def touch_key(self, key_id: str, when: datetime) -> None:
        result = await self._keys.update_one(
            {"_id": str(key_id), "key_hash": {"$exists": True}},
            {"$set": {"last_used_at": utc(when)}},
        )
        if result.matched_count:
            return
        for doc, key in await self._legacy():
            if key.id == key_id:
                await self._keys.update_one(
                    {"_id": doc["_id"]}, {"$set": {"last_used_at": utc(when)}}
                )

    @guarded
    async def upgrade_legacy(self) -> int:
        """Rewrite seed registrations into the hashed shape; returns how many changed."""
        moved = 0
        for doc, key in await self._legacy():
            await self._keys.replace_one({"_id": key.id}, _document(key), upsert=True)
            await self._keys.delete_one({"_id": doc["_id"], "key_hash": {"$exists": False}})
            moved += 1
        return moved
