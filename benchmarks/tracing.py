"""Tracing and feedback figures against a real Phoenix on loopback.

Run: .venv/bin/python -m benchmarks.tracing
Prints: Phoenix start time; offline chat latency with and without span export to Phoenix
(ratio = the cost of tracing export); feedback accepted per second with no trace target (the
storage-bound baseline) and with Phoenix down; how fast the outbox drains once Phoenix is back.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from tests.fixtures.phoenix_server import Phoenix

from benchmarks.chat import pct, start_app
from benchmarks.harness import LIFTED_LIMITS, header
from benchmarks.startup import free_port

CHATS = 100
VOTES = 300


def wait_for_knowledge(client: httpx.Client, url: str) -> None:
    """The demo articles are embedded in the background on first start."""
    for _ in range(600):
        checks = client.get(f"{url}/health").json().get("checks", {})
        if checks.get("knowledge", {}).get("status") == "ok":
            return
        time.sleep(0.1)
    raise SystemExit("the demo knowledge did not load")


def chat_ms(client: httpx.Client, url: str, n: int) -> float:
    started = time.perf_counter()
    response = client.post(f"{url}/api/chat", json={"message": f"How do I stream chat? ({n})"})
    elapsed = (time.perf_counter() - started) * 1000
    if '"type": "complete"' not in response.text.splitlines()[-1]:
        raise SystemExit(f"chat {n} did not complete: {response.text[-300:]}")
    return elapsed


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    return start_app(env, port), f"http://127.0.0.1:{port}"


def chats(env: dict[str, str]) -> tuple[list[float], list[str]]:
    app, url = serve(env)
    try:
        with httpx.Client(timeout=60) as client:
            wait_for_knowledge(client, url)
            for n in range(10):
                chat_ms(client, url, n)  # warm up
            times, span_ids = [], []
            for n in range(CHATS):
                times.append(chat_ms(client, url, n))
                first = client.post(f"{url}/api/chat", json={"message": f"q {n}"}).text
                span_ids.append(first.split('"span_id": "')[1][:16])
            return times, span_ids
    finally:
        app.terminate()
        app.wait()


def votes_per_second(env: dict[str, str], span_ids: list[str]) -> float:
    app, url = serve(env)
    try:
        with httpx.Client(timeout=60) as client:
            started = time.perf_counter()
            for n in range(VOTES):
                body = {"span_id": span_ids[n % len(span_ids)], "feedback_type": "thumbs_up"}
                status = client.post(f"{url}/api/feedback", json=body).status_code
                if status != 200:
                    raise SystemExit(f"vote {n} refused: HTTP {status}")
            return VOTES / (time.perf_counter() - started)
    finally:
        app.terminate()
        app.wait()


def annotated(phoenix: Phoenix, span_ids: list[str]) -> int:
    count = 0
    for start in range(0, len(span_ids), 50):
        params = {"span_ids": span_ids[start : start + 50], "limit": 1000}
        count += len(phoenix.get("/v1/projects/bench/span_annotations", **params)["data"])
    return count


def main() -> None:
    header("tracing and feedback against a real Phoenix", LIFTED_LIMITS)
    work = Path(tempfile.mkdtemp(prefix="buddy-bench-tracing-"))
    phoenix = Phoenix(work / "phoenix")
    phoenix.start()
    print(f"Phoenix start: {phoenix.start_seconds:.1f} s")
    base = {
        **os.environ,
        "BUDDY_LLM_PROVIDER": "offline",
        "BUDDY_MCP_URL": "",
        "BUDDY_LOG_LEVEL": "WARNING",
        "PHOENIX_PROJECT_NAME": "bench",
        **LIFTED_LIMITS,  # hundreds of chats and votes from one address
    }
    traced = {**base, "PHOENIX_COLLECTOR_ENDPOINT": phoenix.url}
    try:
        plain, _ = chats({**base, "BUDDY_DATA_DIR": str(work / "plain")})
        exported, span_ids = chats({**traced, "BUDDY_DATA_DIR": str(work / "traced")})
        p50, e50 = statistics.median(plain), statistics.median(exported)
        print(f"offline chat, {CHATS} sequential requests:")
        print(f"  no export      p50 {p50:6.1f} ms  p95 {pct(plain, 95):6.1f} ms")
        print(f"  Phoenix export p50 {e50:6.1f} ms  p95 {pct(exported, 95):6.1f} ms")
        print(f"  ratio p50 {e50 / p50:.2f}  (added {e50 - p50:+.1f} ms)")

        # Both runs use a store whose demo content is loaded, so nothing else competes.
        baseline = votes_per_second({**base, "BUDDY_DATA_DIR": str(work / "plain")}, span_ids)
        phoenix.stop()
        down = votes_per_second({**traced, "BUDDY_DATA_DIR": str(work / "traced")}, span_ids)
        print(f"feedback accepted, {VOTES} sequential votes:")
        print(f"  no trace target {baseline:6.0f}/s")
        print(f"  Phoenix down    {down:6.0f}/s  (ratio {down / baseline:.2f})")

        phoenix.start()
        app, _ = serve({**traced, "BUDDY_DATA_DIR": str(work / "traced")})
        started = time.perf_counter()
        while annotated(phoenix, sorted(set(span_ids))) < VOTES:
            if time.perf_counter() - started > 300:
                raise SystemExit("the outbox did not drain")
            time.sleep(0.2)
        drained = time.perf_counter() - started
        app.terminate()
        app.wait()
        print(f"outbox drain after restart: {VOTES} votes in {drained:.1f} s incl. app start")
    finally:
        phoenix.stop()


if __name__ == "__main__":
    main()
