"""Politeness towards the sites a knowledge source reads: a per-host gate (requests in flight,
starts per second) and robots.txt, read once per host per sync."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import structlog

log = structlog.get_logger(__name__)

# A site asking for more than this between requests would stall a sync for hours; we go no
# slower than this and say so in the log.
MAX_CRAWL_DELAY_S = 10.0
_ROBOTS_MAX_BYTES = 500_000  # RFC 9309 lets a crawler stop reading at 500 KiB


def host_of(url: str) -> str:
    """scheme://netloc, the unit robots.txt and the politeness limits apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class _Host:
    slots: asyncio.Semaphore
    interval_s: float
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class HostGate:
    """At most `concurrency` requests in flight and `rate` starts per second, per host."""

    def __init__(self, concurrency: int, rate: float) -> None:
        self._concurrency = max(1, concurrency)
        self._interval_s = 1.0 / rate if rate > 0 else 0.0
        self._hosts: dict[str, _Host] = {}

    def _host(self, url: str) -> _Host:
        key = host_of(url)
        if key not in self._hosts:
            self._hosts[key] = _Host(asyncio.Semaphore(self._concurrency), self._interval_s)
        return self._hosts[key]

    def slow_down(self, url: str, delay_s: float) -> None:
        """Space this host's requests at least `delay_s` apart (robots.txt Crawl-delay)."""
        host = self._host(url)
        host.interval_s = max(host.interval_s, min(delay_s, MAX_CRAWL_DELAY_S))

    @asynccontextmanager
    async def turn(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's slots, started no sooner than its interval allows."""
        host = self._host(url)
        async with host.slots:
            async with host.lock:
                # Reserve the next start time under the lock, then wait outside any shared
                # state: a cancelled waiter costs one interval, never a stuck host.
                now = time.monotonic()
                start = max(now, host.next_start)
                host.next_start = start + host.interval_s
            if start > now:
                await asyncio.sleep(start - now)
            yield


@dataclass(frozen=True)
class RobotsVerdict:
    """robots.txt of one host as read this sync; `unreadable` names why it could not be."""

    parser: RobotFileParser | None
    unreadable: str | None = None

    def allows(self, user_agent: str, url: str) -> bool:
        if self.unreadable:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)


class RobotsBook:
    """robots.txt per host, fetched once per sync through the host gate.

    RFC 9309: a 4xx answer means no rules (all allowed); a 5xx answer or no answer means
    the crawler must assume all is disallowed. We keep that, and report it as unreadable
    so the caller can fail the page (or the whole listing) instead of deleting anything.
    """

    def __init__(
        self, client: httpx.AsyncClient, gate: HostGate, user_agent: str, timeout_s: float
    ):
        self._client = client
        self._gate = gate
        self._user_agent = user_agent
        self._timeout_s = timeout_s
        self._verdicts: dict[str, asyncio.Task[RobotsVerdict]] = {}

    async def verdict(self, url: str) -> RobotsVerdict:
        host = host_of(url)
        if host not in self._verdicts:
            # One shared task per host: pages of a new host asking at once wait for one fetch.
            self._verdicts[host] = asyncio.ensure_future(self._read(host))
        return await asyncio.shield(self._verdicts[host])

    async def close(self) -> None:
        """Cancel robots fetches still running (the sync was cancelled or stopped early)."""
        for task in self._verdicts.values():
            task.cancel()
        await asyncio.gather(*self._verdicts.values(), return_exceptions=True)

    async def _read(self, host: str) -> RobotsVerdict:
        url = f"{host}/robots.txt"
        try:
            async with self._gate.turn(url), asyncio.timeout(self._timeout_s):
                response = await self._client.get(
                    url, headers={"User-Agent": self._user_agent}, follow_redirects=True
                )
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("robots_unreachable", url=url, error=type(exc).__name__)
            return RobotsVerdict(None, f"robots.txt unreachable ({type(exc).__name__})")
        if response.status_code >= 500:
            log.warning("robots_unreachable", url=url, status=response.status_code)
            return RobotsVerdict(None, f"robots.txt answered HTTP {response.status_code}")
        if response.status_code >= 400:
            return RobotsVerdict(None)
        parser = RobotFileParser(url)
        parser.parse(response.content[:_ROBOTS_MAX_BYTES].decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(self._user_agent)
        if delay:
            self._gate.slow_down(url, float(delay))
            log.info("robots_crawl_delay", host=host, seconds=min(float(delay), MAX_CRAWL_DELAY_S))
        return RobotsVerdict(parser)
