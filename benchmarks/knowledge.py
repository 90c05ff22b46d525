"""Knowledge-base figures on the shared corpus: ingest cold / again, chunks, peak RSS, and
query latency (embedding + hybrid search) against keyword-only search in the same run.

Before / after the batched search: the same questions run on the code of BASELINE (the
commit before the change, unpacked with `git archive`) and on this tree, over one ingested
store, first as they are (SQLite, local) and then with every ChunkStore call delayed by
--round-trip-ms, as a store across a network (Atlas) would be; store calls are counted.

Before / after the faster cold ingest: `buddy ingest docs` of INGEST_BASELINE (the commit
before the pipeline and the one-thread-per-core embedder) and of this tree, cold on a fresh
data dir, taking turns so a busy machine slows both alike; then re-sync of the unchanged
corpus, timed with the process start and as the ingest itself reports it.

Run: .venv/bin/python -m benchmarks.knowledge [--corpus ../shared/corpora/semantic-kernel-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import header
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
# The last commit before dense + keyword ran together and pages were read in one query.
BASELINE = "2fadc89"
# The last commit before ingest parsed, embedded and wrote side by side.
INGEST_BASELINE = "a71eef6"


def ingest(corpus: Path, data_dir: Path, code: Path | None = None) -> tuple[float, str]:
    """Wall time of `buddy ingest docs` in a child process (of `code`'s src/ when given)."""
    env = {
        **os.environ,
        "BUDDY_DATA_DIR": str(data_dir),
        "BUDDY_LOG_LEVEL": "ERROR",
        "BUDDY_DEMO_CONTENT": "false",
    }
    if code is not None:
        env["PYTHONPATH"] = str(code / "src")
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


class DelayedCalls:
    """A ChunkStore whose every call waits `delay` seconds first and is counted."""

    def __init__(self, inner: object, delay: float) -> None:
        self._inner = inner
        self._delay = delay
        self.calls = 0

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            await asyncio.sleep(self._delay)
            return await method(*args, **kwargs)

        return call


async def search_figures(data_dir: Path, delay: float) -> dict[str, float]:
    """p50 / p95 of kb.search over the eval questions, and store calls per question."""
    storage: Any = create_storage(Settings(_env_file=None, data_dir=data_dir))
    await storage.open()
    delayed = DelayedCalls(storage.chunks, delay)
    storage.chunks = delayed
    kb = KnowledgeBase(storage, LocalEmbedder(), recheck_seconds=3600)
    questions = [row.question for row in load_eval(QUESTIONS)]
    await kb.search("warm up the model and the index", k=10)
    delayed.calls, timings = 0, []
    for question in questions:
        started = time.perf_counter()
        hits = await kb.search(question, k=10)
        timings.append((time.perf_counter() - started) * 1000)
        if not hits:
            raise SystemExit(f"no hits for {question!r}: the store is not what was ingested")
    await storage.close()
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 95),
        "calls": delayed.calls / len(questions),
    }


def unpack(commit: str, folder: str) -> None:
    """The src/ of `commit` under `folder`, as it was then."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)


def load() -> str:
    """The 1-minute load average: other work on the machine moves every figure here."""
    return f"load {os.getloadavg()[0]:.1f}"


def spread(values: list[float]) -> str:
    """Min (the least disturbed run) and median of repeated timings."""
    return f"min {min(values):5.1f} s  median {statistics.median(values):5.1f} s"


def ingest_before_after(corpus: Path, rounds: int) -> None:
    """Cold ingest of INGEST_BASELINE and of this tree, in turns; re-sync when unchanged."""
    print(f"ingest cold, before ({INGEST_BASELINE}) / after (this tree), {rounds} rounds each:")
    before: list[float] = []
    after: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        unpack(INGEST_BASELINE, folder)
        for turn in range(rounds):
            for label, code, times in (("before", Path(folder), before), ("after", None, after)):
                data_dir = Path(folder) / f"data-{label}-{turn}"
                started_load = load()
                seconds, summary = ingest(corpus, data_dir, code)
                times.append(seconds)
                print(f"  {label:6} {seconds:6.1f} s  ({started_load} at start; {summary})")
                sys.stdout.flush()
        print(f"  before {spread(before)}")
        print(f"  after  {spread(after)}")
        ratio = statistics.median(before) / statistics.median(after)
        print(f"  before / after (medians): {ratio:.2f}x")
        resync(corpus, Path(folder) / "data-after-0", rounds)


def resync(corpus: Path, data_dir: Path, rounds: int) -> None:
    """`buddy ingest docs` again on a store that holds the corpus unchanged."""
    walls: list[float] = []
    inside: list[float] = []
    for _ in range(rounds + 1):
        seconds, summary = ingest(corpus, data_dir)
        walls.append(seconds)
        found = re.search(r"in ([\d.]+) s", summary)
        inside.append(float(found.group(1)) if found else float("nan"))
    print(
        f"re-sync, nothing changed: {spread(walls)} with the process start; "
        f"{spread(inside)} in the ingest ({load()})"
    )


def baseline_figures(data_dir: Path, delay: float) -> dict[str, float]:
    """`search_figures` run on the BASELINE commit's src/ in a child process."""
    with tempfile.TemporaryDirectory() as folder:
        unpack(BASELINE, folder)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([f"{folder}/src", str(ROOT)])}
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.knowledge", "--figures", str(data_dir), str(delay)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    figures: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return figures


def before_after(data_dir: Path, round_trip_ms: float) -> None:
    print(f"hybrid search, top 10, before ({BASELINE}) / after (this tree):")
    for label, delay_ms in (
        ("local SQLite", 0.0),
        (f"+{round_trip_ms:g} ms a call", round_trip_ms),
    ):
        before = baseline_figures(data_dir, delay_ms / 1000)
        after = asyncio.run(search_figures(data_dir, delay_ms / 1000))
        print(
            f"  {label:22} p50 {before['p50']:6.1f} -> {after['p50']:6.1f} ms  "
            f"p95 {before['p95']:6.1f} -> {after['p95']:6.1f} ms  "
            f"store calls/question {before['calls']:.1f} -> {after['calls']:.1f}  "
            f"(p50 {before['p50'] / after['p50']:.1f}x)"
        )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--figures":  # the child of baseline_figures
        print(json.dumps(asyncio.run(search_figures(Path(sys.argv[2]), float(sys.argv[3])))))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--round-trip-ms", type=float, default=2.0)
    parser.add_argument("--ingest-rounds", type=int, default=2, help="cold ingests per side")
    parser.add_argument("--ingest-only", action="store_true", help="skip the query figures")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus}")
    header("knowledge base: ingest before / after, query latency, batched search before / after")
    ingest_before_after(args.corpus, args.ingest_rounds)
    if args.ingest_only:
        return
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
        before_after(data_dir, args.round_trip_ms)


if __name__ == "__main__":
    main()
