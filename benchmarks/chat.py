"""Chat figures: server overhead over a scripted model at 1 and 100 concurrent streams, and
the offline answerer's latency on the shared corpus.

Run: .venv/bin/python -m benchmarks.chat [--corpus-data DIR] [--workers 1 2] [--seconds 30]
Overhead = the client's time to the first `content` line minus the scripted model server's own
time to its first token (a fixed 50 ms; the server runs in its own process) (target p50 <= 30 ms,
p95 <= 150 ms at 100 concurrent streams). Three ways to load the app, each printed with the
app's CPU time per stream (all workers) and its peak RSS:
- one stream at a time (200 of them), the model sending its 3 words at once;
- 100 streams sent at the same instant, 5 times;
- 100 streams kept open for `--seconds`: each of 100 clients asks again as soon as its answer
  ends, and the model streams 60 words, 20 ms apart (50 words a second).
`--corpus-data` points at a data dir where the shared corpus was ingested; without it the
offline figures use the bundled demo knowledge.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.harness import LIFTED_LIMITS, Failures, header
from benchmarks.startup import free_port, rss_mib

FIRST_TOKEN_MS = 50.0
PACED_WORDS, PACED_GAP_S = 60, 0.02

FAILURES = Failures()  # what every phase saw fail; the run exits 1 when any did


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(k) for k in children.read_text().split()] if children.exists() else []
    return [pid, *(p for kid in kids for p in process_tree(kid))]


def tree_rss_mib(pid: int) -> float:
    return sum(rss_mib(p) for p in process_tree(pid))


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process and its descendants have used so far."""
    total = 0.0
    for p in process_tree(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    return total


QUESTIONS = [
    "How do I stream chat responses with IChatClient?",
    "How do I create a ChatCompletionAgent?",
    "Which vector store connectors are there?",
    "How do I call my C# functions from the model?",
    "How do I run a local model with Ollama?",
    "How do I build an MCP server in C#?",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def start_app(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "buddy", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("the app did not start")


async def first_content_ms(port: int, question: str) -> tuple[float, bool]:
    """Raw-socket client (cheap, so the harness does not eat the CPU it measures)."""
    body = json.dumps({"message": question}).encode()
    head = (
        f"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head + body)
    received = b""
    first = 0.0
    while chunk := await reader.read(65536):
        received += chunk
        if not first and b'"type": "content"' in received:
            first = (time.perf_counter() - started) * 1000
    writer.close()
    return first, b'"type": "complete"' in received


async def burst(port: int, streams: int) -> tuple[list[float], int]:
    results = await asyncio.gather(*(first_content_ms(port, f"q {n}") for n in range(streams)))
    return [ms for ms, _ in results], sum(not ok for _, ok in results)


@contextmanager
def serving(base_env: dict[str, str], workers: int, *stub_args: str) -> Iterator[tuple[int, int]]:
    """The scripted model stub in its own process and `buddy serve` pointed at it:
    (the app's pid, its port)."""
    model_port = free_port()
    stub = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.model_stub", str(model_port), *stub_args],
        stdout=subprocess.PIPE,
    )
    assert stub.stdout is not None
    stub.stdout.readline()  # "ready"
    time.sleep(1.0)  # uvicorn binds just after printing
    port = free_port()
    env = {
        **base_env,
        "BUDDY_LLM_PROVIDER": "openai-compatible",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{model_port}/v1",
        "BUDDY_CHAT_MODEL": "scripted",
        "BUDDY_MCP_URL": "",
    }
    app = start_app(env, port, workers)
    try:
        asyncio.run(burst(port, 2 * workers))  # warm up every worker
        yield app.pid, port
    finally:
        app.terminate()
        app.wait(timeout=30)
        stub.terminate()
        stub.wait(timeout=30)


@dataclass
class Phase:
    """What one way of loading the app measured."""

    first_ms: list[float] = field(default_factory=list)
    errors: int = 0
    streams: int = 0


async def closed_loop(port: int, clients: int, seconds: float) -> Phase:
    """`clients` chats open at all times: each client asks again as soon as its answer ends."""
    phase = Phase()
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        while time.perf_counter() < deadline:
            first, complete = await first_content_ms(port, f"question {number}.{phase.streams}")
            phase.streams += 1
            if complete and first:
                phase.first_ms.append(first)
            else:
                phase.errors += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return phase


def bursts(port: int, streams: int, rounds: int) -> Phase:
    phase = Phase()
    for _ in range(rounds):
        found, failed = asyncio.run(burst(port, streams))
        phase.first_ms += [ms for ms in found if ms]
        phase.errors += failed
        phase.streams += streams
    return phase


def measured(pid: int, what: str, run: Callable[[], Phase]) -> None:
    """Run one phase with peak RSS sampled beside it; print overhead, CPU and memory."""
    peak = [tree_rss_mib(pid)]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], tree_rss_mib(pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    cpu_before = cpu_ms(pid)
    phase = run()
    cpu = (cpu_ms(pid) - cpu_before) / max(1, phase.streams)
    stop.set()
    watcher.join()
    FAILURES.count(what.strip(), phase.errors, phase.streams)
    extra = [ms - FIRST_TOKEN_MS for ms in phase.first_ms] or [float("nan")]
    print(
        f"{what}: overhead p50 {statistics.median(extra):6.1f} ms  p95 {pct(extra, 95):6.1f} ms"
        f"  errors {phase.errors}/{phase.streams}  app CPU {cpu:.1f} ms a stream"
        f"  peak RSS {peak[0]:.0f} MiB"
    )


def overhead(base_env: dict[str, str], workers: int, seconds: float) -> None:
    print(f"buddy serve --workers {workers}")
    first_token = str(FIRST_TOKEN_MS / 1000)
    with serving(base_env, workers, first_token) as (pid, port):
        measured(pid, "  1 stream at a time,      3 words", lambda: bursts(port, 1, 200))
        measured(pid, "100 streams at one instant, 3 words", lambda: bursts(port, 100, 5))
    paced = (first_token, str(PACED_WORDS), str(PACED_GAP_S))
    with serving(base_env, workers, *paced) as (pid, port):
        measured(
            pid,
            f"100 streams open for {seconds:.0f} s, {PACED_WORDS} words at {1 / PACED_GAP_S:.0f}/s",
            lambda: asyncio.run(closed_loop(port, 100, seconds)),
        )


def offline(base_env: dict[str, str], corpus_data: Path | None) -> None:
    port = free_port()
    env = {**base_env, "BUDDY_LLM_PROVIDER": "offline"}
    if corpus_data is not None:
        env |= {"BUDDY_DATA_DIR": str(corpus_data), "BUDDY_DEMO_CONTENT": "false"}
    app = start_app(env, port)
    url = f"http://127.0.0.1:{port}/api/chat"
    try:
        time.sleep(0 if corpus_data else 15)  # let the demo knowledge finish embedding
        timings: list[float] = []
        with httpx.Client(timeout=60) as client:
            client.post(url, json={"message": "warm up"})
            for _ in range(5):
                for question in QUESTIONS:
                    started = time.perf_counter()
                    body = client.post(url, json={"message": f"{question} ({len(timings)})"}).text
                    timings.append((time.perf_counter() - started) * 1000)
                    if '"type": "complete"' not in body.splitlines()[-1]:
                        FAILURES.add(f"offline answer to {question!r} did not complete")
        where = "shared corpus" if corpus_data else "demo knowledge"
        p50, p95 = statistics.median(timings), pct(timings, 95)
        print(
            f"offline answerer on the {where}, to the last line: p50 {p50:.0f} ms"
            f"  p95 {p95:.0f} ms  ({len(timings)} questions)"
        )
    finally:
        app.terminate()
        app.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus-data", type=Path, default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=30.0, help="of the open-streams phase")
    args = parser.parse_args()
    header("chat: server overhead over a scripted model, and the offline answerer", LIFTED_LIMITS)
    with tempfile.TemporaryDirectory() as folder:
        base_env = {
            **os.environ,
            "BUDDY_DATA_DIR": str(Path(folder) / "data"),
            "BUDDY_LOG_LEVEL": "ERROR",
            # The per-address chat limit would refuse a burst of 100 from one client.
            **LIFTED_LIMITS,
        }
        for workers in args.workers:
            overhead(base_env | {"BUDDY_DEMO_CONTENT": "false"}, workers, args.seconds)
        offline(base_env, args.corpus_data)
    FAILURES.finish()


if __name__ == "__main__":
    main()
