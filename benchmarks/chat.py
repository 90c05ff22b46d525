"""Chat figures: server overhead over a scripted model at 1 and 100 concurrent streams, and
the offline answerer's latency on the shared corpus.

Run: .venv/bin/python -m benchmarks.chat [--corpus-data DIR]
Overhead = the client's time to the first `content` line minus the scripted server's own time
to its first token, both measured in the same run (target p50 <= 30 ms, p95 <= 150 ms).
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
from tests.fixtures.model_server import model_server

from benchmarks.startup import free_port, rss_mib

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


def start_app(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "buddy", "serve", "--port", str(port)]
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


async def first_content_ms(client: httpx.AsyncClient, url: str, question: str) -> tuple[float, str]:
    started = time.perf_counter()
    first = 0.0
    last_type = ""
    async with client.stream("POST", url, json={"message": question}) as response:
        async for line in response.aiter_lines():
            if not line:
                continue
            event = json.loads(line)
            if event["type"] == "content" and not first:
                first = (time.perf_counter() - started) * 1000
            last_type = event["type"]
    return first, last_type


async def burst(url: str, streams: int) -> tuple[list[float], int]:
    limits = httpx.Limits(max_connections=streams)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        results = await asyncio.gather(
            *(first_content_ms(client, url, f"question {n}") for n in range(streams))
        )
    return [ms for ms, _ in results], sum(kind != "complete" for _, kind in results)


def overhead(base_env: dict[str, str]) -> None:
    with model_server() as (model_url, script):
        script.first_token_delay = 0.05
        port = free_port()
        env = {
            **base_env,
            "BUDDY_LLM_PROVIDER": "openai-compatible",
            "OPENAI_BASE_URL": model_url,
            "BUDDY_CHAT_MODEL": "scripted",
            "BUDDY_MCP_URL": "",
        }
        app = start_app(env, port)
        url = f"http://127.0.0.1:{port}/api/chat"
        try:
            asyncio.run(burst(url, 2))  # warm up: model client, agent code paths
            for streams in (1, 100):
                peak = [0.0]
                stop = threading.Event()

                def watch(
                    pid: int = app.pid, peak: list[float] = peak, stop: threading.Event = stop
                ) -> None:
                    while not stop.is_set():
                        peak[0] = max(peak[0], rss_mib(pid))
                        time.sleep(0.05)

                watcher = threading.Thread(target=watch, daemon=True)
                watcher.start()
                script.first_token_seconds.clear()
                rounds = 20 if streams == 1 else 1
                client_ms: list[float] = []
                errors = 0
                for _ in range(rounds):
                    found, failed = asyncio.run(burst(url, streams))
                    client_ms += found
                    errors += failed
                stop.set()
                watcher.join()
                server_ms = [s * 1000 for s in script.first_token_seconds]
                model_ms = statistics.median(server_ms)
                extra = [c - model_ms for c in client_ms]
                p50, p95 = statistics.median(extra), pct(extra, 95)
                print(
                    f"{streams:>3} streams: overhead p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                    f"  (model's own first token p50 {model_ms:.1f} ms)  errors {errors}"
                    f"  peak RSS {peak[0]:.0f} MiB"
                )
        finally:
            app.terminate()
            app.wait(timeout=30)


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base_env = {
            **os.environ,
            "BUDDY_DATA_DIR": str(Path(folder) / "data"),
            "BUDDY_LOG_LEVEL": "ERROR",
        }
        overhead(base_env | {"BUDDY_DEMO_CONTENT": "false"})
        offline(base_env, args.corpus_data)


if __name__ == "__main__":
    main()
