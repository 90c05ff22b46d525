"""Chat figures: server overhead over a scripted model at 1 and 100 concurrent streams, and
the offline answerer's latency on the shared corpus.

Run: .venv/bin/python -m benchmarks.chat [--corpus-data DIR]
Overhead = the client's time to the first `content` line minus the scripted model server's own
time to its first token (a fixed 50 ms; the server runs in its own process) (target p50 <= 30 ms,
p95 <= 150 ms at 100 concurrent streams).
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
from pathlib import Path

import httpx

from benchmarks.startup import free_port, rss_mib


def tree_rss_mib(pid: int) -> float:
    """RSS of a process and its children (uvicorn workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(k) for k in children.read_text().split()] if children.exists() else []
    return rss_mib(pid) + sum(tree_rss_mib(kid) for kid in kids)


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


def overhead(base_env: dict[str, str], workers: int) -> None:
    delay_ms = 50.0
    model_port = free_port()
    stub = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.model_stub", str(model_port), str(delay_ms / 1000)],
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
    print(f"buddy serve --workers {workers}")
    try:
        asyncio.run(burst(port, 2 * workers))  # warm up every worker
        for streams in (1, 100):
            peak = [0.0]
            stop = threading.Event()

            def watch(
                pid: int = app.pid, peak: list[float] = peak, stop: threading.Event = stop
            ) -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], tree_rss_mib(pid))
                    time.sleep(0.05)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            rounds = 20 if streams == 1 else 3
            client_ms: list[float] = []
            errors = 0
            for _ in range(rounds):
                found, failed = asyncio.run(burst(port, streams))
                client_ms += found
                errors += failed
            stop.set()
            watcher.join()
            extra = [c - delay_ms for c in client_ms]
            p50, p95 = statistics.median(extra), pct(extra, 95)
            print(
                f"{streams:>3} streams: overhead p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                f"  (model's first token after {delay_ms:.0f} ms)  errors {errors}"
                f"  peak RSS {peak[0]:.0f} MiB"
            )
    finally:
        app.terminate()
        app.wait(timeout=30)
        stub.terminate()
        stub.wait(timeout=30)


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
                    client.post(url, json={"message": f"{question} ({len(timings)})"}).read()
                    timings.append((time.perf_counter() - started) * 1000)
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base_env = {
            **os.environ,
            "BUDDY_DATA_DIR": str(Path(folder) / "data"),
            "BUDDY_LOG_LEVEL": "ERROR",
            # The per-address chat limit would refuse a burst of 100 from one client.
            "BUDDY_RATE_LIMIT_CHAT": "1000000/minute",
        }
        for workers in args.workers:
            overhead(base_env | {"BUDDY_DEMO_CONTENT": "false"}, workers)
        offline(base_env, args.corpus_data)


if __name__ == "__main__":
    main()
