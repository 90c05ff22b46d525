"""Probe each dependency and summarise; a failing dependency degrades, it never crashes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog

from buddy import __version__
from buddy.config import Settings
from buddy.errors import BuddyError
from buddy.health.schemas import Check, HealthResponse
from buddy.retrieval.search import KnowledgeBase
from buddy.sources.status import problem
from buddy.storage.base import Storage

log = structlog.get_logger(__name__)
_PROBE_TIMEOUT_S = 2.0


async def storage_check(storage: Storage) -> Check:
    try:
        await asyncio.wait_for(storage.ping(), _PROBE_TIMEOUT_S)
    except BuddyError as exc:
        # The store answered with a reason (disk full, read-only, locked): pass it on.
        log.warning("health_storage_down", backend=storage.name, error_type=type(exc).__name__)
        return Check(status="down", detail=f"{storage.name}: {exc.detail}")
    except TimeoutError:
        log.warning("health_storage_down", backend=storage.name, error_type="TimeoutError")
        return Check(status="down", detail=f"{storage.name} is not answering")
    return Check(status="ok", detail=f"{storage.name} store answering")


async def knowledge_check(kb: KnowledgeBase) -> Check:
    try:
        usable, detail = await asyncio.wait_for(kb.health(), _PROBE_TIMEOUT_S)
    except (BuddyError, TimeoutError):
        return Check(status="down", detail="knowledge base is not answering")
    return Check(status="ok" if usable else "degraded", detail=detail)


async def search_check(storage: Storage) -> Check:
    """Where searches run: a MongoDB store without Atlas Search scores in-app, and says so."""
    try:
        mode = await asyncio.wait_for(storage.chunks.search_mode(), _PROBE_TIMEOUT_S)
    except (BuddyError, TimeoutError):
        return Check(status="down", detail="search support could not be checked")
    return Check(status="degraded" if mode.degraded else "ok", detail=mode.detail)


async def sources_check(storage: Storage, settings: Settings) -> Check:
    """Registered sources whose last sync failed or that are overdue, by name."""
    try:
        sources = await asyncio.wait_for(storage.sources.list_sources(), _PROBE_TIMEOUT_S)
    except (BuddyError, TimeoutError):
        return Check(status="down", detail="knowledge sources could not be read")
    now = datetime.now(UTC)
    # A scheduled sync may wait one check interval before it starts.
    slack = timedelta(seconds=settings.source_check_seconds)
    problems = [found for source in sources if (found := problem(source, now, slack))]
    if problems:
        return Check(status="degraded", detail="; ".join(problems))
    return Check(status="ok", detail=f"{len(sources)} registered sources in sync")


async def health(storage: Storage, kb: KnowledgeBase, settings: Settings) -> HealthResponse:
    checks = {"storage": await storage_check(storage)}
    if checks["storage"].status == "ok":
        checks["knowledge"] = await knowledge_check(kb)
        checks["search"] = await search_check(storage)
        checks["sources"] = await sources_check(storage, settings)
    healthy = all(check.status == "ok" for check in checks.values())
    return HealthResponse(
        status="healthy" if healthy else "degraded",
        timestamp=datetime.now(UTC),
        version=__version__,
        checks=checks,
    )
