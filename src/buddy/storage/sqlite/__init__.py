"""The embedded SQLite backend: one file in the data dir."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from buddy.config import Settings
from buddy.storage.base import Storage
from buddy.storage.sqlite.chunks import SqliteChunkStore
from buddy.storage.sqlite.codec import to_iso
from buddy.storage.sqlite.conversations import SqliteConversationStore
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.events import (
    SqliteAnswerStore,
    SqliteFeedbackStore,
    SqliteTelemetryStore,
)
from buddy.storage.sqlite.keys import SqliteMagicKeyStore
from buddy.storage.sqlite.news import SqliteNewsStore
from buddy.storage.sqlite.samples import SqliteSampleStore
from buddy.storage.sqlite.sources import SqliteSourceStore
from buddy.storage.sqlite.state import SqliteStateStore


class SqliteStorage:
    name = "sqlite"

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self.chunks = SqliteChunkStore(db)
        self.news = SqliteNewsStore(db)
        self.samples = SqliteSampleStore(db)
        self.feedback = SqliteFeedbackStore(db)
        self.telemetry = SqliteTelemetryStore(db)
        self.answers = SqliteAnswerStore(db)
        self.conversations = SqliteConversationStore(db)
        self.keys = SqliteMagicKeyStore(db)
        self.sources = SqliteSourceStore(db)
        self.state = SqliteStateStore(db)

    async def open(self) -> None:
        await self.db.open()

    async def prepare(self, vector_dimension: int, report: Callable[[str], None]) -> None:
        report(f"SQLite schema is current at {self.db.path} (open() migrates it)")

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        await self.db.read(lambda conn: conn.execute("SELECT 1").fetchone())
        if self.db.write_refusal is not None:
            # Reads still work when the disk is full or read-only; a real write tells whether
            # writes work again (it clears the refusal) or still fail (it raises the reason).
            await self.state.set_state("storage_probe", to_iso(datetime.now(UTC)))


def create_storage(settings: Settings) -> Storage:
    """Entry point named by the backend registry in `buddy.storage.factory`."""
    return open_file(settings.sqlite_path, settings)


def open_file(path: Path, settings: Settings) -> Storage:
    """A store on a given SQLite file, such as the source of `buddy db migrate-from-sqlite`."""
    return SqliteStorage(SqliteDatabase(path, readers=settings.sqlite_readers))
