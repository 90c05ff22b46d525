"""Choose the storage backend from settings; backends are imported by name, never by domains."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from buddy.config import Settings
from buddy.storage.base import Storage

# One entry per engine: module path of a `create_storage(settings)` function.
BACKENDS = {"sqlite": "buddy.storage.sqlite", "mongodb": "buddy.storage.mongo"}


def backend_name(settings: Settings) -> str:
    # An empty MONGODB_URI (a seed .env template) means "not set".
    if settings.mongodb_uri is not None and settings.mongodb_uri.get_secret_value():
        return "mongodb"
    return "sqlite"


def create_storage(settings: Settings) -> Storage:
    """A closed Storage for the configured engine; call `open()` before use."""
    module = importlib.import_module(BACKENDS[backend_name(settings)])
    return cast(Storage, module.create_storage(settings))


def sqlite_file_storage(path: Path, settings: Settings) -> Storage:
    """A closed SQLite store on a given file, whatever engine is configured (for copying)."""
    module = importlib.import_module(BACKENDS["sqlite"])
    return cast(Storage, module.open_file(path, settings))


@asynccontextmanager
async def opened_storage(settings: Settings) -> AsyncIterator[Storage]:
    """The configured store, open for the duration of a command."""
    storage = create_storage(settings)
    await storage.open()
    try:
        yield storage
    finally:
        await storage.close()
