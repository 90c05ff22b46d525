"""Backends the storage contract suite runs against; a new engine adds one entry here."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from buddy.config import Settings
from buddy.storage.base import Storage
from buddy.storage.mongo import MongoStorage
from buddy.storage.mongo.connection import real_client
from buddy.storage.sqlite import create_storage as create_sqlite
from tests.fixtures.mongo_double import double_client, new_server

BackendFactory = Callable[[Path], Awaitable[Storage]]
LIVE_URI_VARIABLE = "BUDDY_TEST_MONGODB_URI"
LIVE_SKIP_REASON = (
    f"{LIVE_URI_VARIABLE} is not set: the live MongoDB suite needs a real server "
    "(a free Atlas cluster or `atlas deployments setup --type local`; see README)"
)


def database_for(tmp_path: Path) -> str:
    """One database per test, shared by every store the test opens."""
    return "buddy_test_" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:16]


def mongo_settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(_env_file=None, database_name=database_for(tmp_path), **extra)


async def _sqlite(tmp_path: Path) -> Storage:
    return create_sqlite(Settings(_env_file=None, data_dir=tmp_path / "data"))


_DOUBLE_SERVERS: dict[str, Any] = {}


async def _mongo_double(tmp_path: Path) -> Storage:
    server = _DOUBLE_SERVERS.setdefault(str(tmp_path), new_server())
    return MongoStorage(mongo_settings(tmp_path), lambda: double_client(server))


async def _mongo_live(tmp_path: Path) -> Storage:
    uri = os.environ[LIVE_URI_VARIABLE]
    return MongoStorage(mongo_settings(tmp_path), real_client(uri))


BACKENDS: dict[str, BackendFactory] = {
    "sqlite": _sqlite,
    "mongodb-double": _mongo_double,
    "mongodb-live": _mongo_live,
}


def drop_live_database(tmp_path: Path) -> None:
    client: MongoClient[dict[str, Any]]
    with MongoClient(os.environ[LIVE_URI_VARIABLE]) as client:
        client.drop_database(database_for(tmp_path))


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BackendFactory]:
    if request.param == "mongodb-live" and not os.environ.get(LIVE_URI_VARIABLE):
        pytest.skip(LIVE_SKIP_REASON)
    factory: BackendFactory = BACKENDS[request.param]
    yield factory
    _DOUBLE_SERVERS.pop(str(tmp_path), None)
    if request.param == "mongodb-live":
        drop_live_database(tmp_path)


@pytest.fixture
async def storage(backend: BackendFactory, tmp_path: Path) -> AsyncIterator[Storage]:
    store = await backend(tmp_path)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
