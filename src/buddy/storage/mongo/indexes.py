"""Regular indexes (made at open), the telemetry TTL index, and the Atlas search indexes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import OperationFailure
from pymongo.operations import SearchIndexModel

from buddy.storage.mongo.connection import (
    ANSWERS,
    CHUNKS,
    CONVERSATIONS,
    FEEDBACK,
    KEYS,
    NEWS,
    SHARES,
    TELEMETRY,
    Collection,
    MongoDatabase,
)
from buddy.storage.mongo.search import (
    TEXT_INDEX,
    VECTOR_INDEX,
    text_index_definition,
    vector_index_definition,
)

_TTL_INDEX = "telemetry_ttl"
# Atlas builds search indexes in the background; a small collection is ready within a minute.
_SEARCH_READY_TIMEOUT_S = 600.0
_SEARCH_POLL_S = 5.0


async def ensure_indexes(db: MongoDatabase, retention_days: int) -> None:
    """Idempotent: createIndexes is a no-op for an index that already exists as asked."""
    await db.collection(CHUNKS).create_indexes(
        [
            IndexModel([("page_key", ASCENDING), ("ordinal", ASCENDING)], name="chunks_by_page"),
            IndexModel([("text_hash", ASCENDING)], name="chunks_by_text_hash"),
            IndexModel([("keywords", ASCENDING)], name="chunks_by_keyword"),
        ]
    )
    await db.collection(NEWS).create_indexes(
        [
            IndexModel([("publishedDate", DESCENDING), ("_id", ASCENDING)], name="news_by_date"),
            IndexModel([("keywords", ASCENDING)], name="news_by_keyword"),
        ]
    )
    # Seed registrations have no key_hash, so uniqueness covers our documents only.
    await db.collection(KEYS).create_indexes(
        [
            IndexModel(
                [("key_hash", ASCENDING)],
                name="keys_by_hash",
                unique=True,
                partialFilterExpression={"key_hash": {"$exists": True}},
            )
        ]
    )
    await db.collection(FEEDBACK).create_index([("created_at", ASCENDING)], name="feedback_by_time")
    await db.collection(ANSWERS).create_index([("created_at", ASCENDING)], name="answers_by_time")
    await _ensure_ttl(db, retention_days * 86_400)
    await _ensure_conversation_indexes(db)


async def _ensure_conversation_indexes(db: MongoDatabase) -> None:
    # Each document carries the instant it expires (`expires_at`), so the TTL indexes wait no
    # extra seconds and a changed retention setting needs no index change.
    await db.collection(CONVERSATIONS).create_indexes(
        [
            IndexModel(
                [("owner", ASCENDING), ("updated_at", DESCENDING), ("_id", ASCENDING)],
                name="conversations_by_owner",
            ),
            IndexModel([("updated_at", ASCENDING)], name="conversations_by_time"),
            IndexModel([("expires_at", ASCENDING)], name="conversations_ttl", expireAfterSeconds=0),
        ]
    )
    await db.collection(SHARES).create_indexes(
        [
            IndexModel([("token_hash", ASCENDING)], name="shares_by_hash", unique=True),
            IndexModel(
                [("conversation_id", ASCENDING), ("created_at", ASCENDING)],
                name="shares_by_conversation",
            ),
            IndexModel([("expires_at", ASCENDING)], name="shares_ttl", expireAfterSeconds=0),
        ]
    )


async def _ensure_ttl(db: MongoDatabase, seconds: int) -> None:
    events = db.collection(TELEMETRY)
    await events.create_index([("event_type", ASCENDING)], name="telemetry_by_type")
    await events.create_index([("created_at", ASCENDING)], name="telemetry_by_time")
    current = (await events.index_information()).get(_TTL_INDEX)
    if current is None:
        await events.create_index(
            [("stored_at", ASCENDING)], name=_TTL_INDEX, expireAfterSeconds=seconds
        )
    elif current.get("expireAfterSeconds") != seconds:
        # A changed retention setting: collMod edits the TTL in place, no rebuild.
        await db.db.command(
            "collMod", TELEMETRY, index={"name": _TTL_INDEX, "expireAfterSeconds": seconds}
        )


async def _search_indexes(chunks: Collection) -> dict[str, dict[str, object]]:
    cursor = await chunks.list_search_indexes()
    return {str(index["name"]): dict(index) async for index in cursor}


def _dimension_of(index: dict[str, object]) -> int | None:
    """numDimensions of an existing vector index (Atlas adds defaults to the rest)."""
    definition = index.get("latestDefinition")
    fields = definition.get("fields", []) if isinstance(definition, dict) else []
    for field in fields:
        if isinstance(field, dict) and field.get("type") == "vector":
            return int(field.get("numDimensions", 0))
    return None


async def ensure_search_indexes(
    db: MongoDatabase,
    dimension: int,
    report: Callable[[str], None],
    timeout_s: float = _SEARCH_READY_TIMEOUT_S,
) -> bool:
    """Create `vector_index` and `text_index` when missing and wait until both answer
    queries; False (with a message) when the server has no search support."""
    chunks = db.collection(CHUNKS)
    try:
        existing = await _search_indexes(chunks)
    except OperationFailure:
        report(
            "skipped Atlas Search indexes: this server has no search support "
            "(searches use exact in-app scoring; /health says so)"
        )
        return False
    vector = vector_index_definition(dimension)
    wanted = {
        VECTOR_INDEX: SearchIndexModel(definition=vector, name=VECTOR_INDEX, type="vectorSearch"),
        TEXT_INDEX: SearchIndexModel(
            definition=text_index_definition(), name=TEXT_INDEX, type="search"
        ),
    }
    missing = [model for name, model in wanted.items() if name not in existing]
    if missing:
        await chunks.create_search_indexes(missing)
        report(f"creating Atlas Search indexes: {', '.join(sorted(set(wanted) - set(existing)))}")
    if VECTOR_INDEX in existing and _dimension_of(existing[VECTOR_INDEX]) != dimension:
        await chunks.update_search_index(VECTOR_INDEX, vector)
        report(f"updating {VECTOR_INDEX} for {dimension}-d vectors")
    deadline = time.monotonic() + timeout_s
    while True:
        found = await _search_indexes(chunks)
        waiting = sorted(name for name in wanted if not found.get(name, {}).get("queryable"))
        if not waiting:
            report(f"Atlas Search indexes {VECTOR_INDEX} and {TEXT_INDEX} are queryable")
            return True
        if time.monotonic() > deadline:
            report(
                f"still building after {timeout_s:.0f} s: {', '.join(waiting)} (run again later)"
            )
            return False
        report(f"waiting for {', '.join(waiting)} to become queryable")
        await asyncio.sleep(_SEARCH_POLL_S)
