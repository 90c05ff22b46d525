"""Backends the storage contract suite runs against; a new engine adds one entry here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.storage.base import Storage
from buddy.storage.sqlite import create_storage as create_sqlite

BackendFactory = Callable[[Path], Awaitable[Storage]]


async def _sqlite(tmp_path: Path) -> Storage:
    return create_sqlite(Settings(_env_file=None, data_dir=tmp_path / "data"))


BACKENDS: dict[str, BackendFactory] = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> BackendFactory:
    factory: BackendFactory = BACKENDS[request.param]
    return factory


@pytest.fixture
async def storage(backend: BackendFactory, tmp_path: Path) -> AsyncIterator[Storage]:
    store = await backend(tmp_path)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
