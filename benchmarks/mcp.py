"""search_docs over `/mcp` against the same search in-process, on the shared corpus: calls per
second and p50/p95 each way, and what the protocol adds (target: at most 5 ms at p50).

The app runs as `buddy serve` in its own process; the in-process rows open the same data
directory through the same services graph. Each question is asked every way in turn, so a
busy machine slows all rows alike, after one unmeasured pass that fills both processes' query
embedding caches. Lifted: BUDDY_RATE_LIMIT_API (development counts every
MCP request against it). Any error ends the run.

Run: .venv/bin/python -m benchmarks.mcp [--corpus ../shared/corpora/semantic-kernel-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from mcp import Client

from benchmarks.chat import pct, start_app
from benchmarks.harness import LIFTED_LIMITS, header
from benchmarks.knowledge import DEFAULT_CORPUS, QUESTIONS, ingest
from benchmarks.startup import free_port
from buddy.config import Settings
from buddy.mcp.tools import BuddyTools
from buddy.retrieval.eval import load_eval
from buddy.services import open_services

K = 5
TARGET_MS = 5.0


async def timed(call: Callable[[], Awaitable[object]], into: list[float]) -> None:
    started = time.perf_counter()
    await call()
    into.append((time.perf_counter() - started) * 1000)


async def measure(data_dir: Path, url: str, rounds: int) -> dict[str, list[float]]:
    questions = [row.question for row in load_eval(QUESTIONS)]
    rows: dict[str, list[float]] = {
        "kb.search": [],
        "search_docs in-process": [],
        "search_docs over /mcp": [],
        "tools/list over /mcp": [],  # the protocol's own cost: no search at all
    }
    settings = Settings(_env_file=None, data_dir=data_dir, demo_content=False, log_level="ERROR")
    async with open_services(settings) as services, Client(url) as client:
        tools = BuddyTools(services)

        async def over_mcp(question: str) -> None:
            result = await client.call_tool("search_docs", {"query": question, "k": K})
            if result.is_error or not (result.structured_content or {}).get("hits"):
                raise SystemExit(f"search_docs over /mcp failed for {question!r}: {result}")

        # Each process caches query embeddings; one unmeasured pass fills both caches, so every
        # measured row does the same work and the difference is the protocol's.
        for question in questions:
            await tools.search_docs(question, K)
            await over_mcp(question)
        for question in questions * rounds:
            await timed(partial(services.kb.search, question, k=K), rows["kb.search"])
            await timed(partial(tools.search_docs, question, K), rows["search_docs in-process"])
            await timed(partial(over_mcp, question), rows["search_docs over /mcp"])
            await timed(client.list_tools, rows["tools/list over /mcp"])
    return rows


def report(rows: dict[str, list[float]]) -> None:
    count = len(next(iter(rows.values())))
    print(f"search_docs, k={K}, {count} calls each way, one at a time:")
    for name, values in rows.items():
        p50, p95 = statistics.median(values), pct(values, 95)
        rate = 1000 * len(values) / sum(values)
        print(f"  {name:24} {rate:6.1f} calls/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    local, remote = rows["search_docs in-process"], rows["search_docs over /mcp"]
    added = statistics.median(remote) - statistics.median(local)
    ratio = statistics.median(remote) / statistics.median(local)
    verdict = "within" if added <= TARGET_MS else "OVER"
    print(
        f"MCP / in-process: p50 {ratio:.2f}x, adds {added:.1f} ms at p50 "
        f"({verdict} the {TARGET_MS:.0f} ms target); p95 {pct(remote, 95) / pct(local, 95):.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=2, help="Times each question is asked.")
    parser.add_argument(
        "--data-dir", type=Path, help="Keep the ingested corpus here and reuse it next time."
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus}")
    header("MCP: search_docs over /mcp against in-process", LIFTED_LIMITS)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir or Path(folder) / "data"
        if not (data_dir / "buddy.sqlite3").exists():
            seconds, summary = ingest(args.corpus, data_dir)
            print(f"corpus ingested in {seconds:.0f} s ({summary})")
        env = {
            **os.environ,
            "BUDDY_DATA_DIR": str(data_dir),
            "BUDDY_DEMO_CONTENT": "false",
            "BUDDY_LOG_LEVEL": "ERROR",
            "BUDDY_MCP_URL": "",
            **LIFTED_LIMITS,
        }
        port = free_port()
        app = start_app(env, port)
        try:
            rows = asyncio.run(measure(data_dir, f"http://127.0.0.1:{port}/mcp", args.rounds))
        finally:
            app.terminate()
            app.wait(timeout=30)
    report(rows)


if __name__ == "__main__":
    main()
