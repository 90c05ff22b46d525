"""Requests/s and p99 of /api/news and /api/samples?search= with 10k stored items each.

Run: .venv/bin/python benchmarks/news_samples.py [--items 10000] [--seconds 10]
Serves the app with 2 uvicorn workers and, as the baseline measured in the same run, a
one-route FastAPI app returning a constant JSON body under the same 2 workers. The rate limits
are lifted for the throughput figures; then, at the default limits, one address floods
/api/news of a one-worker server and another asks 5 times a second: how fast refusals are and
what they cost others.
Any answer that is not 200 (or 429 in the flood) fails the run.
Targets: >= 1,000 req/s and p99 <= 50 ms on a 2-core machine; page 200 >= 0.8x page 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.harness import LIFTED_LIMITS, Failures, header
from benchmarks.load import LoadResult, run_load
from buddy.config import Settings
from buddy.storage.factory import create_storage
from buddy.storage.records import NewsItem, Sample

ROUTES = (
    "/api/news",
    "/api/news?page=1",
    "/api/news?page=200",
    "/api/samples?search=vector",
    "/api/samples?search=agent&tags=chat",
)
BASELINE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/static")
async def static() -> dict[str, object]:
    return {"samples": [], "total": 0, "page": 1, "page_size": 20, "pages": 0}
"""
WORDS = [
    "chat",
    "agent",
    "kernel",
    "embedding",
    "vector",
    "ollama",
    "onnx",
    "streaming",
    "plugin",
    "memory",
]


async def seed(data_dir: Path, count: int) -> None:
    storage = create_storage(Settings(_env_file=None, data_dir=data_dir))
    await storage.open()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    news = [
        NewsItem(
            id=f"n{i}",
            title=f"{WORDS[i % 10].title()} release note {i}",
            url=f"https://news.example/{i}",
            summary=f"Item {i} on {WORDS[(i * 7) % 10]} and {WORDS[(i * 3) % 10]} in .NET.",
            source="Bench Feed",
            author=f"Author {i % 50}",
            published=start + timedelta(minutes=i),
        )
        for i in range(count)
    ]
    samples = [
        Sample(
            id=f"s{i}",
            title=f"Sample {i}: {WORDS[i % 10]} with {WORDS[(i * 3) % 10]}",
            description=f"Shows {WORDS[(i * 7) % 10]} in a console app, variant {i}.",
            preview="preview",
            author=f"Author {i % 50}",
            author_url="https://github.com/example",
            source=f"https://github.com/example/s{i}",
            tags=(WORDS[i % 10], WORDS[(i * 3) % 10]),
        )
        for i in range(count)
    ]
    await storage.news.upsert_news(news)
    await storage.samples.upsert_samples(samples)
    await storage.close()


@contextmanager
def server(
    args: list[str], cwd: Path, env: dict[str, str], port: int, workers: int = 2
) -> Iterator[str]:
    command = [sys.executable, "-m", "uvicorn", *args, "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning", "--no-access-log"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def report(name: str, result: LoadResult, baseline: LoadResult) -> None:
    print(
        f"{name:<40} {result.rps:8.0f} req/s  p50 {result.p50:6.2f} ms  p99 {result.p99:6.2f} ms"
        f"  errors {result.errors}  ({result.rps / baseline.rps:.2f}x baseline req/s)"
    )


async def paced(url: str, seconds: float, address: str) -> list[float]:
    """One well-behaved client, 5 requests a second from its own address: its latencies."""
    latencies: list[float] = []
    headers = {"X-Forwarded-For": address}
    async with httpx.AsyncClient(timeout=10) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"the paced client was refused: HTTP {response.status_code}")
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(max(0.0, 0.2 - (time.perf_counter() - started)))
    return latencies


async def flood_beside(
    url: str, seconds: float, connections: int
) -> tuple[LoadResult, list[float]]:
    flood = run_load(
        url,
        seconds,
        connections,
        headers={"X-Forwarded-For": "198.51.100.7"},
        expect=frozenset({200, 429}),
    )
    return await asyncio.gather(flood, paced(url, seconds, "198.51.100.8"))


def refusals(url: str, seconds: float, connections: int, failures: Failures) -> None:
    """What a flood from one address costs: the 429s it gets, and a paced client's latency
    from another address beside it, against the same client alone."""
    alone = asyncio.run(paced(url, seconds, "198.51.100.9"))
    flood, beside = asyncio.run(flood_beside(url, seconds, connections))
    refused = flood.statuses.get(429, 0)
    failures.count("flood (neither 200 nor 429)", flood.errors, flood.requests)
    after = httpx.get(url, headers={"X-Forwarded-For": "198.51.100.7"})
    retry_after = after.headers.get("Retry-After")
    if after.status_code != 429 or not retry_after:
        failures.add(f"after the flood: HTTP {after.status_code}, Retry-After {retry_after}")
    print(
        f"flood from one address at the default limit: {refused / flood.seconds:8.0f} refusals/s"
        f" (429, Retry-After {retry_after} s); {flood.statuses.get(200, 0)} served first"
    )
    print(
        f"a paced client beside it (5 req/s):   p50 {statistics.median(beside):6.2f} ms"
        f"  p99 {percentile(beside, 99):6.2f} ms;  alone p50 {statistics.median(alone):6.2f} ms"
        f"  p99 {percentile(alone, 99):6.2f} ms"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    header("news and samples: requests/s against a constant-JSON baseline", LIFTED_LIMITS)
    failures = Failures()
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        asyncio.run(seed(cwd / "data", args.items))
        (cwd / "baseline_app.py").write_text(BASELINE_APP)
        env = {
            **os.environ,
            "BUDDY_DATA_DIR": str(cwd / "data"),
            "BUDDY_DEMO_CONTENT": "false",
            "BUDDY_LOG_LEVEL": "WARNING",
        }

        def load(url: str) -> LoadResult:
            asyncio.run(run_load(url, 1.0, args.connections))  # warm-up, not counted
            result = asyncio.run(run_load(url, args.seconds, args.connections))
            failures.count(url, result.errors, result.requests)
            return result

        with server(["baseline_app:app"], cwd, env, 18301) as base:
            baseline = load(f"{base}/static")
        with server(["--factory", "buddy.app:create_app"], cwd, env | LIFTED_LIMITS, 18302) as base:
            # Both workers must have finished starting before anything counts: the first
            # route measured used to pay for the second worker's imports.
            asyncio.run(run_load(f"{base}/api/news", 5.0, args.connections))
            results = {name: load(f"{base}{name}") for name in ROUTES}
        print(
            f"{args.items} news items and {args.items} samples, 2 workers, {args.connections} conns"
        )
        report("baseline (constant JSON)", baseline, baseline)
        for name, result in results.items():
            report(name, result, baseline)
        ratio = results["/api/news?page=200"].rps / results["/api/news?page=1"].rps
        print(f"page 200 / page 1 req/s: {ratio:.2f}")
        # One worker: in-memory counters are per worker, so with two the probe after the flood
        # may reach the worker that never saw it and be served.
        with server(["--factory", "buddy.app:create_app"], cwd, env, 18303, workers=1) as base:
            refusals(f"{base}/api/news", args.seconds, args.connections, failures)
    failures.finish()


if __name__ == "__main__":
    main()
