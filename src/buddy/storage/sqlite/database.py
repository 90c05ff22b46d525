"""SQLite for async code: one writer thread, a few reader threads, WAL, forward migrations."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import structlog

from buddy.errors import StorageError
from buddy.storage.sqlite.migrations import MIGRATIONS

T = TypeVar("T")
log = structlog.get_logger(__name__)

# Another process (a CLI ingest next to the server) may hold the write lock for a while.
_BUSY_TIMEOUT_MS = 30_000

# What a client is told when the file system refuses a write; the SQLite text goes to the log.
_REFUSALS = {
    "SQLITE_FULL": "The storage disk is full; writes are refused until space is freed.",
    "SQLITE_READONLY": "The storage is read-only; writes are refused.",
    "SQLITE_CANTOPEN": "The storage file cannot be opened; writes are refused.",
    "SQLITE_BUSY": "The storage is locked by another process; try again shortly.",
    "SQLITE_LOCKED": "The storage is locked by another process; try again shortly.",
    "SQLITE_IOERR": "The storage could not be written (I/O error).",
}


def _refusal(exc: sqlite3.Error) -> str | None:
    """The sentence for an error caused by the storage itself, not by our SQL."""
    # Extended names such as SQLITE_READONLY_DBMOVED or SQLITE_IOERR_WRITE share a prefix.
    name = getattr(exc, "sqlite_errorname", "")
    return next((text for prefix, text in _REFUSALS.items() if name.startswith(prefix)), None)


class SqliteDatabase:
    """Runs every write on one thread, so requests in this process never contend for the lock."""

    def __init__(self, path: Path, readers: int = 4) -> None:
        self.path = path
        self._readers_count = readers
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        # Why the last write was refused, until a write succeeds again; `ping` reports it.
        self.write_refusal: str | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="buddy-sqlite-writer")
        self._readers = ThreadPoolExecutor(
            self._readers_count, thread_name_prefix="buddy-sqlite-reader"
        )
        await self._run(self._writer, self._migrate)

    async def close(self) -> None:
        for pool in (self._writer, self._readers):
            if pool is not None:
                pool.shutdown(wait=True)
        self._writer = self._readers = None
        with self._connections_lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` inside one IMMEDIATE transaction on the writer thread."""
        if self._writer is None:
            raise StorageError("The database is not open.")
        try:
            result = await self._run(self._writer, lambda: self._in_transaction(work))
        except StorageError as exc:
            if isinstance(exc.__cause__, sqlite3.Error) and _refusal(exc.__cause__):
                self.write_refusal = exc.detail
            raise
        self.write_refusal = None
        return result

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on a reader thread inside one read transaction (a consistent snapshot)."""
        if self._readers is None:
            raise StorageError("The database is not open.")
        return await self._run(self._readers, lambda: self._in_snapshot(work))

    async def _run(self, pool: ThreadPoolExecutor, job: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            running = loop.run_in_executor(pool, job)
        except RuntimeError as exc:
            # `close` shut the pool down after the caller's check that the store is open.
            raise StorageError("The database is not open.") from exc
        try:
            return await running
        except sqlite3.Error as exc:
            log.error("sqlite_error", path=str(self.path), error=str(exc))
            detail = _refusal(exc) or "The database could not complete the request."
            raise StorageError(detail) from exc

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path,
                timeout=_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
            connection.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full, I/O error) must not leave the writer mid-transaction.
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return result

    def _in_snapshot(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            return work(connection)
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")

    def _migrate(self) -> None:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if current > len(MIGRATIONS):
                msg = (
                    f"{self.path} has schema version {current}, newer than this buddy "
                    f"({len(MIGRATIONS)}); upgrade buddy or use another BUDDY_DATA_DIR"
                )
                raise StorageError(msg)
            for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in script:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version={version}")
                log.info("sqlite_migrated", path=str(self.path), version=version)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
