"""Syncing a registered source: only what changed is fetched, parsed and embedded, pages that
left the source are removed, and the outcome is kept on the source for `sources list` and
/health.

A sync can be killed at any moment: each page is replaced in one transaction, the cursor (the
commit or the validators a sync starts from) is stored only after every page is in, so the
next sync redoes the unfinished part and finds the finished pages unchanged by their hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import structlog

from buddy.errors import BuddyError
from buddy.sources.context import Progress, Quiet, SyncContext, SyncReport
from buddy.sources.site import sync_web
from buddy.sources.status import is_due
from buddy.sources.trees import sync_folder, sync_git
from buddy.storage.records import KnowledgeSource, SyncOutcome

log = structlog.get_logger(__name__)
_KEPT_FAILURES = 50


class SourceBusyError(BuddyError):
    status_code = 409
    code = "source_busy"


_SYNCERS = {"folder": sync_folder, "git": sync_git, "sitemap": sync_web, "website": sync_web}


@contextlib.asynccontextmanager
async def leased(ctx: SyncContext, name: str) -> AsyncIterator[None]:
    """Hold the source's sync lease for the block, renewing it every third of its length, so
    two instances (or a CLI and the service) never sync one source at once."""
    storage, holder = ctx.storage, ctx.holder
    length = timedelta(seconds=ctx.settings.source_lease_seconds)
    now = datetime.now(UTC)
    if not await storage.sources.take_lease(name, holder, now, now + length):
        raise SourceBusyError(f"source '{name}' is being synced by another instance")

    async def renew() -> None:
        while True:
            await asyncio.sleep(length.total_seconds() / 3)
            moment = datetime.now(UTC)
            await storage.sources.take_lease(name, holder, moment, moment + length)

    renewal = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewal.cancel()
        with contextlib.suppress(asyncio.CancelledError, BuddyError):
            await renewal
        with contextlib.suppress(BuddyError):
            await storage.sources.release_lease(name, holder)


async def sync_source(
    ctx: SyncContext,
    source: KnowledgeSource,
    progress: Progress | None = None,
    *,
    only_if_due: bool = False,
) -> SyncReport | None:
    """Sync one source under its lease and record the outcome. A failure of the source is in
    the report (and on the record), never raised; SourceBusyError is. With `only_if_due`,
    None when another instance synced it meanwhile; None too when it was removed."""
    progress = progress or Quiet()
    report = SyncReport(source.name)
    async with leased(ctx, source.name):
        started, clock = datetime.now(UTC), time.perf_counter()
        # Read again under the lease: the cursor may have moved since the caller read it.
        current = await ctx.storage.sources.get_source(source.name)
        if current is None or (only_if_due and not is_due(current, started)):
            return None
        cursor: str | None = None
        log.info("source_sync_started", source=current.name, holder=ctx.holder)
        try:
            cursor = await _SYNCERS[current.kind](ctx, current, report, progress)
        except BuddyError as exc:
            report.error = exc.detail
        except Exception as exc:
            log.error("source_sync_failed", source=current.name, exc_info=exc)
            report.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        report.seconds = time.perf_counter() - clock
        pages, chunks = await ctx.storage.chunks.count_under(f"{current.name}/")
        failures = tuple(f"{where}: {why}" for where, why in report.failed[:_KEPT_FAILURES])
        await ctx.storage.sources.record_sync(
            current.name,
            SyncOutcome(
                started_at=started,
                finished_at=datetime.now(UTC),
                error=report.error,
                summary=report.summary,
                pages=pages,
                chunks=chunks,
                failures=failures,
                cursor=None if report.error else cursor,
            ),
        )
    log.info(
        "source_synced", source=source.name, summary=report.summary, error=report.error or None
    )
    return report


async def sync_due(ctx: SyncContext) -> list[SyncReport]:
    """Sync every scheduled source whose interval has passed, BUDDY_SOURCE_CONCURRENCY at a
    time; a source another instance is syncing is left to it, and one failing never stops
    the rest."""
    now = datetime.now(UTC)
    due = [s for s in await ctx.storage.sources.list_sources() if is_due(s, now)]
    slots = asyncio.Semaphore(ctx.settings.source_concurrency)

    async def one(source: KnowledgeSource) -> SyncReport | None:
        async with slots:
            try:
                return await sync_source(ctx, source, only_if_due=True)
            except SourceBusyError:
                return None

    # Every sync runs to its end before an error (the store went away) is raised.
    finished = await asyncio.gather(*(one(source) for source in due), return_exceptions=True)
    for outcome in finished:
        if isinstance(outcome, BaseException):
            raise outcome
    return [report for report in finished if isinstance(report, SyncReport)]


async def sync_forever(ctx: SyncContext) -> None:
    """The running service's schedule: look for due sources every BUDDY_SOURCE_CHECK_SECONDS,
    starting at once, so sources that fell due while the service was down sync first."""
    while True:
        try:
            await sync_due(ctx)
        except BuddyError as exc:  # the store is down: try again at the next check
            log.warning("source_schedule_failed", error=exc.detail)
        await asyncio.sleep(ctx.settings.source_check_seconds)
