"""One AsyncMongoClient per process, the collections we use, and error translation."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import structlog
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from buddy.errors import StorageError
from buddy.metrics.registry import STORAGE_ERRORS

P = ParamSpec("P")
T = TypeVar("T")
Document = dict[str, Any]
Client = AsyncMongoClient[Document]
Collection = AsyncCollection[Document]
ClientFactory = Callable[[], Client]
Session = AsyncClientSession

log = structlog.get_logger(__name__)

# Collection names: the first five are the seed's, so an existing seed database keeps working.
CHUNKS = "document_chunks"
NEWS = "documents"
SAMPLES = "samples"
KEYS = "userRegistrations"
FEEDBACK = "feedback"
ANSWERS = "answers"
TELEMETRY = "telemetry_events"
PAGES = "pages"
STATE = "state"
CONVERSATIONS = "conversations"
SHARES = "conversation_shares"
SOURCES = "knowledge_sources"
META = "meta"  # change counters, id sequences and the embedding model of the index

# A request should fail fast when the cluster is unreachable (health probes wait 2 s), yet a
# slow aggregation over the whole corpus must not be cut off; pool sized for one web worker.
CLIENT_OPTIONS: dict[str, Any] = {
    "serverSelectionTimeoutMS": 5_000,
    "connectTimeoutMS": 5_000,
    "socketTimeoutMS": 30_000,
    "maxPoolSize": 50,
    "minPoolSize": 0,
    "maxIdleTimeMS": 300_000,
    "retryWrites": True,
    "retryReads": True,
    "tz_aware": True,
    "appname": "csharp-ai-buddy",
}


def real_client(uri: str) -> ClientFactory:
    """The production client factory: pymongo's own async client with our options."""
    return lambda: AsyncMongoClient(uri, **CLIENT_OPTIONS)


class MongoDatabase:
    """The open client and database; every store reaches collections through it."""

    def __init__(self, client_factory: ClientFactory, database_name: str) -> None:
        self._factory = client_factory
        self.database_name = database_name
        self._client: Client | None = None
        self._transactions: bool | None = None

    async def open(self) -> None:
        if self._client is None:
            self._client = self._factory()

    @property
    def client(self) -> Client:
        if self._client is None:
            raise StorageError("The database is not open.")
        return self._client

    async def transactions(self) -> bool:
        """Whether multi-document transactions work: replica sets and sharded clusters (every
        Atlas cluster) have them, a standalone server does not. Asked once."""
        if self._transactions is None:
            try:
                hello = await self.db.command("hello")
            except PyMongoError:
                hello = {}
            self._transactions = "setName" in hello or hello.get("msg") == "isdbgrid"
        return self._transactions

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    @property
    def db(self) -> AsyncDatabase[Document]:
        return self.client[self.database_name]

    def collection(self, name: str) -> Collection:
        return self.db[name]


def guarded(
    work: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turn driver errors into StorageError (a clean 503) and log what failed, not the data."""

    @functools.wraps(work)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await work(*args, **kwargs)
        except ConnectionFailure as exc:
            STORAGE_ERRORS.labels(work.__qualname__).inc()
            log.error("mongodb_unreachable", operation=work.__qualname__, error=type(exc).__name__)
            msg = "MongoDB is not reachable; check MONGODB_URI and that the server is up."
            raise StorageError(msg) from exc
        except PyMongoError as exc:
            STORAGE_ERRORS.labels(work.__qualname__).inc()
            log.error("mongodb_error", operation=work.__qualname__, error=type(exc).__name__)
            raise StorageError("The database could not complete the request.") from exc

    return wrapper
