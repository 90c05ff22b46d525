"""Knowledge-base figures on the shared corpus: ingest cold / again, chunks, peak RSS, and
query latency (embedding + hybrid search) against keyword-only search in the same run.

Run: .venv/bin/python -m benchmarks.knowledge [--corpus ../shared/corpora/semantic-kernel-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from buddy.config import Settings
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.retrieval.eval import load_eval
from buddy.retrieval.search import KnowledgeBase
from buddy.storage.factory import create_storage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = next(
    (
        path
        for path in (
            ROOT.parent / "shared" / "corpora" / "semantic-kernel-docs",
            Path("/work/shared/corpora/semantic-kernel-docs"),
        )
        if path.is_dir()
    ),
    ROOT.parent / "shared" / "corpora" / "semantic-kernel-docs",
)
QUESTIONS = ROOT / "evals" / "retrieval" / "sk-docs.jsonl"


def ingest(corpus: Path, data_dir: Path) -> tuple[float, str]:
    env = {**os.environ, "BUDDY_DATA_DIR": str(data_dir), "BUDDY_LOG_LEVEL": "ERROR"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "buddy", "ingest", "docs", str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, " ".join(result.stdout.split())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def latencies(data_dir: Path) -> None:
    storage = create_storage(Settings(_env_file=None, data_dir=data_dir))
    await storage.open()
    kb = KnowledgeBase(storage, LocalEmbedder())
    questions = [row.question for row in load_eval(QUESTIONS)]
    await kb.search("warm up the model and the index", k=10)
    hybrid, keyword = [], []
    for question in questions:  # each question once: no query-cache hits
        started = time.perf_counter()
        await kb.search(question, k=10)
        hybrid.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await storage.chunks.keyword_search(question, 60)
        keyword.append((time.perf_counter() - started) * 1000)
    await storage.close()
    p50, p95 = statistics.median(hybrid), percentile(hybrid, 95)
    k50, k95 = statistics.median(keyword), percentile(keyword, 95)
    print(f"query latency over {len(questions)} questions (embedding + hybrid search, top 10):")
    print(f"  hybrid        p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    print(f"  keyword only  p50 {k50:6.1f} ms  p95 {k95:6.1f} ms  (baseline)")
    print(f"  hybrid / keyword: p50 {p50 / k50:.1f}x, p95 {p95 / k95:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus}")
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        cold, cold_summary = ingest(args.corpus, data_dir)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        again, _ = ingest(args.corpus, data_dir)
        chunks = re.search(r"(\d+) chunks", cold_summary)
        print(f"ingest cold: {cold:.1f} s ({cold_summary})")
        print(f"ingest again (no changes): {again:.1f} s  -> {cold / again:.0f}x faster than cold")
        count = chunks.group(1) if chunks else "?"
        print(f"chunks: {count}; peak RSS of the ingest: {peak_mib:.0f} MiB")
        asyncio.run(latencies(data_dir))


if __name__ == "__main__":
    main()
