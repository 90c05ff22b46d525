"""Requests/s and p99 of /api/news and /api/samples?search= with 10k stored items each.

Run: .venv/bin/python benchmarks/news_samples.py [--items 10000] [--seconds 10]
Serves the app with 2 uvicorn workers and, as the baseline measured in the same run, a
one-route FastAPI app returning a constant JSON body under the same 2 workers.
Targets (issue 4): >= 1,000 req/s and p99 <= 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.load import LoadResult, run_load
from buddy.config import Settings
from buddy.storage.factory import create_storage
from buddy.storage.records import NewsItem, Sample

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
def server(args: list[str], cwd: Path, env: dict[str, str], port: int) -> Iterator[str]:
    command = [sys.executable, "-m", "uvicorn", *args, "--port", str(port), "--workers", "2"]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
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
            return asyncio.run(run_load(url, args.seconds, args.connections))

        with server(["baseline_app:app"], cwd, env, 18301) as base:
            baseline = load(f"{base}/static")
        with server(["--factory", "buddy.app:create_app"], cwd, env, 18302) as base:
            results = {
                "/api/news?page=200": load(f"{base}/api/news?page=200"),
                "/api/samples?search=vector": load(f"{base}/api/samples?search=vector"),
                "/api/samples?search=agent&tags=chat": load(
                    f"{base}/api/samples?search=agent&tags=chat"
                ),
                "/api/news": load(f"{base}/api/news"),
            }
    print(f"{args.items} news items and {args.items} samples, 2 workers, {args.connections} conns")
    report("baseline (constant JSON)", baseline, baseline)
    for name, result in results.items():
        report(name, result, baseline)


if __name__ == "__main__":
    main()
