"""Cold start to healthy and idle memory of `buddy serve`, against a bare FastAPI app.

Run: .venv/bin/python benchmarks/startup.py [--runs 5]
Prints seconds to the first 200 from /health and the idle RSS (after the first-start demo
knowledge is embedded), each as a ratio over the baseline (a one-route FastAPI app under the
same uvicorn), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.harness import header

BASELINE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "healthy"}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(port: int, timeout: float = 60.0) -> None:
    """Wait until first-start work (demo knowledge) is done, then let the process go idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        detail = body.get("checks", {}).get("knowledge", {}).get("detail", "loaded")
        if not detail.startswith("0 chunks"):
            break
        time.sleep(0.2)
    time.sleep(2.0)


def start_and_measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    port = free_port()
    env = {**env, "PORT": str(port)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.01)
            if process.poll() is not None:
                raise SystemExit(f"{command} exited early")
        elapsed = time.perf_counter() - started
        settle(port)
        return elapsed, rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    header("startup: cold start to healthy and idle memory")
    env = {**os.environ, "BUDDY_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "baseline_app.py").write_text(BASELINE_APP)
        baseline_cmd = [sys.executable, "-m", "uvicorn", "baseline_app:app", "--log-level", "error"]
        results: dict[str, list[tuple[float, float]]] = {"baseline": [], "buddy": []}
        for run in range(args.runs):
            # A fresh data dir each run: the first start creates the store (the cold path).
            buddy_env = {**env, "BUDDY_DATA_DIR": str(cwd / f"data{run}")}
            results["baseline"].append(start_and_measure(baseline_cmd, cwd, env))
            results["buddy"].append(
                start_and_measure([sys.executable, "-m", "buddy", "serve"], cwd, buddy_env)
            )
    base_s = statistics.median(r[0] for r in results["baseline"])
    base_rss = statistics.median(r[1] for r in results["baseline"])
    buddy_s = statistics.median(r[0] for r in results["buddy"])
    buddy_rss = statistics.median(r[1] for r in results["buddy"])
    print(f"runs: {args.runs} (median)")
    print(f"baseline FastAPI: start to healthy {base_s:.2f} s, idle RSS {base_rss:.0f} MiB")
    print(f"buddy serve:      start to healthy {buddy_s:.2f} s, idle RSS {buddy_rss:.0f} MiB")
    print(f"ratio buddy/baseline: start {buddy_s / base_s:.2f}x, RSS {buddy_rss / base_rss:.2f}x")


if __name__ == "__main__":
    main()
