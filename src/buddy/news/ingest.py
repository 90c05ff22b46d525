"""Ingest feeds into the news store: one report per feed, a broken feed never stops the rest."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx
import structlog

from buddy.errors import BuddyError
from buddy.news.feeds import FeedError, Validators, fetch_feed, parse_feed
from buddy.storage.base import Storage
from buddy.storage.records import UpsertCounts

log = structlog.get_logger(__name__)
_PARALLEL_FEEDS = 4

FeedStatus = Literal["ingested", "not_modified", "failed"]


@dataclass(frozen=True)
class FeedReport:
    url: str
    status: FeedStatus
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    source: str = ""
    error: str = ""


def _state_key(url: str) -> str:
    return f"feed-validators:{url}"


async def _load_validators(storage: Storage, url: str) -> Validators:
    raw = await storage.state.get_state(_state_key(url))
    if raw is None:
        return Validators()
    data = json.loads(raw)
    return Validators(data.get("etag"), data.get("last_modified"))


async def _save_validators(storage: Storage, url: str, validators: Validators) -> None:
    payload = {"etag": validators.etag, "last_modified": validators.last_modified}
    await storage.state.set_state(_state_key(url), json.dumps(payload))


async def ingest_document(storage: Storage, body: bytes, feed_url: str) -> FeedReport:
    """Parse an already-read feed document and upsert its items."""
    parsed = parse_feed(body, feed_url, datetime.now(UTC))
    counts = await storage.news.upsert_news(parsed.items)
    return FeedReport(feed_url, "ingested", counts, parsed.title)


async def ingest_feed(
    storage: Storage, client: httpx.AsyncClient, url: str, max_bytes: int
) -> FeedReport:
    """Fetch one feed (a URL or a local file path) and upsert its items."""
    try:
        local = Path(url)
        if "://" not in url and await asyncio.to_thread(local.is_file):
            body = await asyncio.to_thread(local.read_bytes)
            location = await asyncio.to_thread(lambda: local.absolute().as_uri())
            report = await ingest_document(storage, body, location)
        else:
            validators = await _load_validators(storage, url)
            fetched = await fetch_feed(client, url, validators, max_bytes)
            if fetched.body is None:
                report = FeedReport(url, "not_modified")
            else:
                report = await ingest_document(storage, fetched.body, url)
                await _save_validators(storage, url, fetched.validators)
    except FeedError as exc:
        log.warning("feed_failed", url=url, reason=exc.detail)
        return FeedReport(url, "failed", error=exc.detail)
    except (httpx.InvalidURL, ValueError, OSError, BuddyError) as exc:
        # A malformed URL or a store hiccup fails this feed, never the whole run.
        reason = f"{url} could not be ingested ({type(exc).__name__})"
        log.warning("feed_failed", url=url, reason=reason)
        return FeedReport(url, "failed", error=reason)
    log.info("feed_ingested", url=url, status=report.status, new=report.counts.new)
    return report


async def ingest_feeds(
    storage: Storage,
    client: httpx.AsyncClient,
    urls: Sequence[str],
    max_bytes: int,
    on_report: Callable[[FeedReport], None] | None = None,
) -> list[FeedReport]:
    """Ingest several feeds a few at a time; reports come back in the order of `urls`."""
    gate = asyncio.Semaphore(_PARALLEL_FEEDS)

    async def one(url: str) -> FeedReport:
        async with gate:
            report = await ingest_feed(storage, client, url, max_bytes)
        if on_report is not None:
            on_report(report)
        return report

    return list(await asyncio.gather(*(one(url) for url in dict.fromkeys(urls))))


async def refresh_forever(
    storage: Storage, client: httpx.AsyncClient, urls: Sequence[str], minutes: int, max_bytes: int
) -> None:
    """The server's optional refresher: re-ingest the configured feeds every `minutes`."""
    while True:
        try:
            reports = await ingest_feeds(storage, client, urls, max_bytes)
        except Exception as exc:
            log.error("feeds_refresh_failed", error_type=type(exc).__name__)
        else:
            failed = sum(report.status == "failed" for report in reports)
            log.info("feeds_refreshed", feeds=len(reports), failed=failed)
        await asyncio.sleep(minutes * 60)
