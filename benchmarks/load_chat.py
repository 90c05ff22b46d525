"""Load: many chat streams at once, plus steady traffic on the JSON routes, for a fixed time.

Run: .venv/bin/python -m benchmarks.load_chat [--seconds 60] [--streams 100] [--rps 200]
Starts `buddy serve` and the scripted model stub (its own process; first token after 50 ms,
then 60 words 20 ms apart), all on 127.0.0.1, and stops by itself after `--seconds`.
Each stream client starts a new chat as soon as its last one ended; the JSON clients send
`--rps` requests a second spread over news, samples, tags, options and a NuGet search whose
source is a closed port (a fast 503 is that route's expected answer offline).
Targets: 0 errors; server RSS at the end within 10% of the start. "Start" is after a warm-up
at full load (a fifth of the run, at most 15 s), so first-use allocations do not count as
growth; RSS is also printed every tenth of the run, to tell a plateau from a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.chat import first_content_ms, pct, start_app, tree_rss_mib
from benchmarks.harness import LIFTED_LIMITS, Failures, header
from benchmarks.load import _read_response
from benchmarks.startup import free_port

FIRST_TOKEN_S = 0.05
TOKENS, TOKEN_GAP_S = 60, 0.02
# Enough connections that the pace holds while each answer takes a few hundred ms.
JSON_CONNECTIONS = 50
# Route and the statuses that count as a right answer for it.
JSON_ROUTES: list[tuple[str, set[int]]] = [
    ("/api/news?page_size=10", {200}),
    ("/api/samples?page_size=10", {200}),
    ("/api/samples/tags", {200}),
    ("/api/options", {200}),
    ("/api/nuget/search?q=Microsoft.Extensions.AI", {503}),
]


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass
class Tally:
    first_content_ms: list[float] = field(default_factory=list)
    completed: int = 0
    stream_errors: int = 0
    json_requests: int = 0
    json_errors: int = 0
    json_statuses: dict[int, int] = field(default_factory=dict)


async def stream_client(port: int, deadline: float, tally: Tally, number: int) -> None:
    round_ = 0
    while time.perf_counter() < deadline:
        round_ += 1
        try:
            first, complete = await first_content_ms(port, f"question {number}.{round_}")
        except OSError:
            first, complete = 0.0, False
        if complete and first:
            tally.completed += 1
            tally.first_content_ms.append(first)
        else:
            tally.stream_errors += 1


async def json_request(port: int, path: str, connection: list[Connection]) -> int:
    """One GET on the kept-alive connection; a connection the server closed while idle
    (uvicorn's keep-alive timeout) is replaced once, which is not an error."""
    for attempt in (1, 2):
        if not connection:
            connection.append(await asyncio.open_connection("127.0.0.1", port))
        reader, writer = connection[0]
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        try:
            return await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            connection.clear()
            writer.close()
            idle_close = isinstance(exc, asyncio.IncompleteReadError) and not exc.partial
            if attempt == 2 or not idle_close:
                return 0
    return 0


async def json_client(port: int, deadline: float, rate: float, offset: int, tally: Tally) -> None:
    """Requests at a fixed pace on one keep-alive connection (late ones go at once)."""
    connection: list[Connection] = []
    started, sent = time.perf_counter(), 0
    try:
        while (now := time.perf_counter()) < deadline:
            await asyncio.sleep(max(0.0, started + sent / rate - now))
            path, expected = JSON_ROUTES[(offset + sent) % len(JSON_ROUTES)]
            status = await json_request(port, path, connection)
            sent += 1
            tally.json_requests += 1
            tally.json_statuses[status] = tally.json_statuses.get(status, 0) + 1
            tally.json_errors += status not in expected
    finally:
        for _, writer in connection:
            writer.close()


async def run(port: int, seconds: float, streams: int, rps: float) -> Tally:
    tally = Tally()
    deadline = time.perf_counter() + seconds
    rate = rps / JSON_CONNECTIONS
    await asyncio.gather(
        *(stream_client(port, deadline, tally, n) for n in range(streams)),
        *(json_client(port, deadline, rate, n, tally) for n in range(JSON_CONNECTIONS)),
    )
    return tally


def start_model_stub() -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.model_stub", str(port), str(FIRST_TOKEN_S)]
    stub = subprocess.Popen([*command, str(TOKENS), str(TOKEN_GAP_S)], stdout=subprocess.PIPE)
    assert stub.stdout is not None
    stub.stdout.readline()  # "ready"
    time.sleep(1.0)  # uvicorn binds just after printing
    return stub, port


def sample_rss(pid: int, every: float, stop: threading.Event, samples: list[float]) -> None:
    while not stop.wait(every):
        samples.append(tree_rss_mib(pid))


def report(tally: Tally, seconds: float, rss: list[float]) -> None:
    ttfc = tally.first_content_ms or [float("nan")]
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.json_statuses.items()))
    print(f"{seconds:.0f} s of load")
    print(
        f"chat streams: {tally.completed} completed, {tally.stream_errors} errors;"
        f" time to first content p50 {statistics.median(ttfc):.0f} ms"
        f" p95 {pct(ttfc, 95):.0f} ms"
    )
    print(
        f"JSON routes: {tally.json_requests} requests ({tally.json_requests / seconds:.0f}/s),"
        f" {tally.json_errors} errors (statuses {statuses})"
    )
    start, end = rss[0], rss[-1]
    change = (end - start) / start * 100
    print(f"server RSS: {start:.0f} MiB at start, {end:.0f} MiB at end ({change:+.1f}%)")
    print("server RSS during the run (MiB): " + " ".join(f"{value:.0f}" for value in rss))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--rps", type=float, default=200.0)
    args = parser.parse_args()
    header("load: chat streams and JSON routes together", LIFTED_LIMITS)
    stub, model_port = start_model_stub()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "BUDDY_DATA_DIR": str(Path(folder) / "data"),
            "BUDDY_LOG_LEVEL": "ERROR",
            "BUDDY_LLM_PROVIDER": "openai-compatible",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{model_port}/v1",
            "BUDDY_CHAT_MODEL": "scripted",
            "BUDDY_MCP_URL": "",
            "BUDDY_NUGET_SERVICE_INDEX": "http://127.0.0.1:9/v3/index.json",
            # One client address drives the whole load: lift the per-address limits.
            **LIFTED_LIMITS,
        }
        port = free_port()
        app = start_app(env, port)
        try:
            rss_idle = tree_rss_mib(app.pid)
            asyncio.run(run(port, min(15.0, args.seconds / 5), args.streams, args.rps))
            rss = [tree_rss_mib(app.pid)]
            stop = threading.Event()
            sampler = threading.Thread(
                target=sample_rss, args=(app.pid, args.seconds / 10, stop, rss), daemon=True
            )
            sampler.start()
            tally = asyncio.run(run(port, args.seconds, args.streams, args.rps))
            stop.set()
            sampler.join()
            rss.append(tree_rss_mib(app.pid))
        finally:
            app.terminate()
            app.wait(timeout=30)
            stub.terminate()
            stub.wait(timeout=30)
    print(f"server RSS idle after start: {rss_idle:.0f} MiB")
    report(tally, args.seconds, rss)
    failures = Failures()
    failures.count("chat streams", tally.stream_errors, tally.completed + tally.stream_errors)
    failures.count("JSON routes", tally.json_errors, tally.json_requests)
    failures.finish()


if __name__ == "__main__":
    main()
