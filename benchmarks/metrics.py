"""What the Prometheus instrumentation costs, and how fast insights answer on a big store.

Run: .venv/bin/python -m benchmarks.metrics [--seconds 8] [--answers 100000]

1. JSON routes (`/api/news?page_size=10`, `/api/samples/tags`) under load, 2 workers, with
   metrics on (the multiprocess mode `buddy serve --workers 2` turns on: every count is written
   to a memory-mapped file) and off (`BUDDY_METRICS=false`), run back to back five times (the
   order flipping each round); the median of the five on/off ratios is reported.
   Target: <= 5 % fewer req/s.
2. Offline chat, 150 sequential streams to the last line, metrics on and off (one worker),
   alternated like the routes.
3. `GET /api/admin/insights` logic over 10k, 100k and 300k stored answers (300
   wordings, asked with a long-tailed frequency like real traffic), cold (no wording vector
   cached) and warm. Target: <= 1 s at 100k.
Any non-2xx answer fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.harness import LIFTED_LIMITS, Failures, header, store_demo_content
from benchmarks.load import LoadResult, run_load
from benchmarks.news_samples import server
from buddy.config import Settings
from buddy.insights.service import insights
from buddy.retrieval.embedders.base import CachedEmbedder
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.services import QUESTION_VECTORS
from buddy.storage.factory import opened_storage
from buddy.storage.records import AnswerRecord

ROUTES = ("/api/news?page_size=10", "/api/samples/tags")
FAILURES = Failures()
ROUNDS = 5  # on and off alternate, so a noisy spell on the machine hits both
TOPICS = (
    "stream a chat response with IChatClient",
    "give a Semantic Kernel agent a C# function",
    "run a local model with Ollama from C#",
    "store embeddings in a vector database",
    "call Azure OpenAI with managed identity",
    "add retrieval-augmented generation to an ASP.NET Core app",
    "count tokens before sending a prompt",
    "cache chat responses in Microsoft.Extensions.AI",
    "use structured output to get a C# record back",
    "log prompts and completions with OpenTelemetry",
)
FRAMES = (
    "How do I {}?",
    "how can I {} in .NET 9",
    "What is the best way to {}?",
    "Is there a sample that shows how to {}?",
    "{} - any example?",
    "Can I {} without extra packages?",
)
TAILS = ("", " in a console app", " in Blazor", " with dependency injection", " on Linux")


def serving(env: dict[str, str], port: int, workers: int) -> AbstractContextManager[str]:
    return server(["--factory", "buddy.app:create_app"], Path.cwd(), env, port, workers)


def env_for(data_dir: Path, metrics: bool) -> dict[str, str]:
    env = {
        **os.environ,
        **LIFTED_LIMITS,
        "BUDDY_DATA_DIR": str(data_dir),
        "BUDDY_LOG_LEVEL": "WARNING",
        "BUDDY_MCP_URL": "",
        # The demo content is already stored; loading its knowledge at start would compete
        # with the first measured route.
        "BUDDY_DEMO_CONTENT": "false",
        "BUDDY_METRICS": "true" if metrics else "false",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if metrics:  # what `buddy serve --workers N` sets up
        folder = Path(tempfile.mkdtemp(prefix="buddy-metrics-"))
        env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return env


def throughput(data_dir: Path, seconds: float) -> None:
    print(f"JSON routes, 2 workers, 16 connections, {ROUNDS} rounds of on and off back to back")
    print("  (the order flips each round; each round's on/off ratio cancels the host's drift):")
    runs: dict[tuple[str, bool], list[LoadResult]] = {}
    for round_number in range(ROUNDS):
        order = (True, False) if round_number % 2 == 0 else (False, True)
        for metrics in order:
            with serving(env_for(data_dir, metrics), 18411, workers=2) as base:
                asyncio.run(run_load(f"{base}{ROUTES[0]}", 3.0, 16))  # both workers warm
                for route in ROUTES:
                    result = asyncio.run(run_load(f"{base}{route}", seconds, 16))
                    FAILURES.count(f"{route} metrics={metrics}", result.errors, result.requests)
                    runs.setdefault((route, metrics), []).append(result)
    for route in ROUTES:
        on, off = runs[(route, True)], runs[(route, False)]
        ratios = sorted(a.rps / b.rps for a, b in zip(on, off, strict=True))
        print(
            f"  {route:<26} off {_median(off).rps:6.0f} req/s p99 {_median(off).p99:5.1f} ms | "
            f"on {_median(on).rps:6.0f} req/s p99 {_median(on).p99:5.1f} ms | on/off "
            f"{statistics.median(ratios):.3f} (rounds {ratios[0]:.3f}-{ratios[-1]:.3f})"
        )


def _median(results: list[LoadResult]) -> LoadResult:
    return sorted(results, key=lambda result: result.rps)[len(results) // 2]


def chat_streams(data_dir: Path, count: int) -> None:
    print(f"offline chat, {count} sequential streams to the last line, 1 worker, on and off")
    print(f"  alternated {ROUNDS} times:")
    times: dict[bool, list[float]] = {False: [], True: []}
    for metrics in (False, True) * ROUNDS:
        with serving(env_for(data_dir, metrics), 18412, workers=1) as base:
            times[metrics] += _timed_chats(base, count // ROUNDS, metrics)
    for metrics, measured in times.items():
        measured.sort()
        p95 = measured[int(0.95 * len(measured))]
        print(
            f"  metrics {'on ' if metrics else 'off'}  p50 {statistics.median(measured):6.1f} ms"
            f"  p95 {p95:6.1f} ms"
        )


def _timed_chats(base: str, count: int, metrics: bool) -> list[float]:
    """Milliseconds to the last line of `count` chats, after ten that warm the caches."""
    times: list[float] = []
    with httpx.Client(timeout=60) as client:
        for index in range(count + 10):
            started = time.perf_counter()
            body = {"message": random.choice(TOPICS) + f" (try {index})"}
            response = client.post(f"{base}/api/chat", json=body)
            last = json.loads(response.text.strip().splitlines()[-1])
            if response.status_code != 200 or last["type"] != "complete":
                FAILURES.add(f"chat metrics={metrics}: {response.status_code} {last}")
            if index >= 10:
                times.append((time.perf_counter() - started) * 1000)
    return times


def wordings() -> list[str]:
    texts = [f.format(t + tail) for t in TOPICS for f in FRAMES for tail in TAILS]
    rng = random.Random(5)
    rng.shuffle(texts)
    return texts


async def insights_at(folder: Path, answers: int) -> None:
    settings = Settings(_env_file=None, data_dir=folder / f"a{answers}", demo_content=False)
    texts = wordings()
    rng = random.Random(answers)
    # Zipf-like: a few wordings are asked very often, most rarely.
    weights = [1 / (rank + 1) for rank in range(len(texts))]
    now = datetime.now(UTC)
    async with opened_storage(settings) as storage:
        chosen = rng.choices(texts, weights, k=answers)
        for index, question in enumerate(chosen):
            await storage.answers.add_answer(
                AnswerRecord(
                    span_id=f"{index:016x}",
                    trace_id=f"{index:032x}",
                    question=question,
                    answer="",
                    created_at=now - timedelta(minutes=rng.randrange(60 * 24 * 29)),
                    sources=() if rng.random() < 0.15 else ("https://learn.microsoft.com/x",),
                    provider="offline",
                    tools=("search_knowledge_base",),
                    duration_s=rng.uniform(0.02, 3.0),
                )
            )
        embedder = CachedEmbedder(LocalEmbedder(), QUESTION_VECTORS, batches=True)  # as served
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            result = await insights(storage, embedder, 30)
            timings.append(time.perf_counter() - started)
    print(
        f"  {answers:>7,} answers ({len(set(chosen)):,} wordings): cold {timings[0]:.2f} s, "
        f"warm {min(timings[1:]):.2f} s; {len(result.top_questions)} groups, "
        f"{result.unanswered} unanswered"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--answers", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    args = parser.parse_args()
    header("metrics: instrumentation cost, and insights on a big store", LIFTED_LIMITS)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"

        store_demo_content(data_dir)
        throughput(data_dir, args.seconds)
        chat_streams(data_dir, 150)
        print("insights over stored answers, 30 days:")
        for count in args.answers:
            asyncio.run(insights_at(Path(folder), count))
    FAILURES.finish()


if __name__ == "__main__":
    main()
