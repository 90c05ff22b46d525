"""The MongoDB backend: the seed's production store (Atlas or a plain server)."""

from __future__ import annotations

from collections.abc import Callable

from buddy.config import Settings
from buddy.errors import StorageError
from buddy.storage.base import Storage
from buddy.storage.mongo.chunks import MongoChunkStore
from buddy.storage.mongo.connection import ClientFactory, MongoDatabase, guarded, real_client
from buddy.storage.mongo.conversations import MongoConversationStore
from buddy.storage.mongo.events import (
    MongoAnswerStore,
    MongoFeedbackStore,
    MongoTelemetryStore,
)
from buddy.storage.mongo.indexes import ensure_indexes, ensure_search_indexes
from buddy.storage.mongo.keys import MongoMagicKeyStore
from buddy.storage.mongo.news import MongoNewsStore
from buddy.storage.mongo.samples import MongoSampleStore
from buddy.storage.mongo.sources import MongoSourceStore
from buddy.storage.mongo.state import MongoStateStore


class MongoStorage:
    name = "mongodb"

    def __init__(self, settings: Settings, client_factory: ClientFactory) -> None:
        self.db = MongoDatabase(client_factory, settings.database_name)
        self._retention_days = settings.telemetry_retention_days
        pepper = settings.key_pepper.get_secret_value() if settings.key_pepper else ""
        self.chunks = MongoChunkStore(
            self.db,
            num_candidates=settings.mongo_num_candidates,
            search_limit=settings.mongo_vector_limit,
            fallback_candidates=settings.mongo_fallback_candidates,
        )
        self.news = MongoNewsStore(self.db)
        self.samples = MongoSampleStore(self.db)
        self.feedback = MongoFeedbackStore(self.db)
        self.telemetry = MongoTelemetryStore(self.db)
        self.answers = MongoAnswerStore(self.db)
        self.conversations = MongoConversationStore(self.db, settings.conversation_retention_days)
        self.keys = MongoMagicKeyStore(self.db, pepper)
        self.sources = MongoSourceStore(self.db)
        self.state = MongoStateStore(self.db)

    @guarded
    async def open(self) -> None:
        await self.db.open()
        await ensure_indexes(self.db, self._retention_days)

    @guarded
    async def prepare(self, vector_dimension: int, report: Callable[[str], None]) -> None:
        report(f"regular and TTL indexes ready in {self.db.database_name}")
        await ensure_search_indexes(self.db, vector_dimension, report)
        self.chunks.forget_search_mode()
        moved = await self.keys.upgrade_legacy()
        if moved:
            report(f"rewrote {moved} seed registration(s) into hashed magic keys")

    async def close(self) -> None:
        await self.db.close()

    @guarded
    async def ping(self) -> None:
        await self.db.db.command("ping")


def create_storage(settings: Settings) -> Storage:
    """Entry point named by the backend registry in `buddy.storage.factory`."""
    if settings.mongodb_uri is None or not settings.mongodb_uri.get_secret_value():
        raise StorageError("MONGODB_URI is not set.")
    return MongoStorage(settings, real_client(settings.mongodb_uri.get_secret_value()))
