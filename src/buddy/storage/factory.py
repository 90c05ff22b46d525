"""Choose the storage backend from settings; backends are imported by name, never by domains."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from buddy.config import Settings
from buddy.errors import ServiceUnavailableError
from buddy.storage.base import Storage

# One entry per engine: module path of a `create_storage(settings)` function.
BACKENDS = {"sqlite": "buddy.storage.sqlite"}


def backend_name(settings: Settings) -> str:
    if settings.mongodb_uri is not None:
        return "mongodb"
    return "sqlite"


def create_storage(settings: Settings) -> Storage:
    """A closed Storage for the configured engine; call `open()` before use."""
    name = backend_name(settings)
    module_path = BACKENDS.get(name)
    if module_path is None:
        msg = (
            f"MONGODB_URI is set, but this build has no {name} storage backend yet; "
            "unset MONGODB_URI to use the embedded SQLite store"
        )
        raise ServiceUnavailableError(msg, code="storage_backend_missing")
    module = importlib.import_module(module_path)
    return cast(Storage, module.create_storage(settings))


@asynccontextmanager
async def opened_storage(settings: Settings) -> AsyncIterator[Storage]:
    """The configured store, open for the duration of a command."""
    storage = create_storage(settings)
    await storage.open()
    try:
        yield storage
    finally:
        await storage.close()
