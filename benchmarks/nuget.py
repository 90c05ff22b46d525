"""NuGet latency: uncached vs cached search and package details against the fake v3 source.

Run: .venv/bin/python -m benchmarks.nuget [--rounds 200]
The fake source (tests/fixtures/nuget_server.py) runs on 127.0.0.1, first answering at once,
then after 50 ms per request, a stand-in for the round trip to a real NuGet host. "Uncached" is a
fresh service (empty caches) on an already-discovered source, so the service index is not part
of it; "cached" repeats the same call on a warm service.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
from tests.fixtures.nuget_packages import CHAT, VECTORS
from tests.fixtures.nuget_server import nuget_server

from benchmarks.harness import header
from buddy.nuget.client import NuGetFeed
from buddy.nuget.service import NuGetService

Call = Callable[[NuGetService], Awaitable[object]]
CALLS: list[tuple[str, Call]] = [
    ("search 'contoso chat'", lambda nuget: nuget.search("contoso chat")),
    (f"details {CHAT} (inline registration)", lambda nuget: nuget.package(CHAT)),
    (f"details {VECTORS} (2 registration pages)", lambda nuget: nuget.package(VECTORS)),
]


def fresh(feed: NuGetFeed) -> NuGetService:
    return NuGetService(feed, "https://www.nuget.org", cache_entries=64)


async def timed(call: Call, nuget: NuGetService) -> float:
    started = time.perf_counter()
    await call(nuget)
    return (time.perf_counter() - started) * 1000


async def measure(index_url: str, rounds: int) -> list[tuple[str, float, float]]:
    rows = []
    async with httpx.AsyncClient() as http:
        feed = NuGetFeed(http, index_url, timeout_seconds=5)
        await feed.endpoints()
        for name, call in CALLS:
            uncached = [await timed(call, fresh(feed)) for _ in range(rounds)]
            warm = fresh(feed)
            await call(warm)
            cached = [await timed(call, warm) for _ in range(rounds)]
            rows.append((name, statistics.median(uncached), statistics.median(cached)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    header("NuGet: uncached vs cached calls against the local v3 source")
    for delay in (0.0, 0.05):
        with nuget_server() as (index_url, state):
            state.delay_seconds = delay
            rounds = args.rounds if delay == 0 else max(10, args.rounds // 10)
            rows = asyncio.run(measure(index_url, rounds))
        print(f"\nsource answering after {delay * 1000:.0f} ms ({rounds} rounds, medians)")
        print(f"{'call':52} {'uncached':>10} {'cached':>10} {'cached/uncached':>16}")
        for name, uncached, cached in rows:
            ratio = cached / uncached
            print(f"{name:52} {uncached:8.2f}ms {cached:8.4f}ms {ratio:16.5f}")


if __name__ == "__main__":
    main()
