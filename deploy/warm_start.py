"""Start the installed service once, ask it one question, stop it; print how long it took.

Run it with the service's own interpreter (`VENV/bin/python deploy/warm_start.py`) as the
user that owns the venv. Every module that a start, an answer and the MongoDB backend import
is then compiled to bytecode in place, so the real service's first start skips that work;
modules nothing imports stay source only (compiling all of them would add about 60 MB to the
image). The Dockerfile and tests/deploy/test_wheel.py both run it. Standard library only,
and it talks to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

QUESTION = "How do I stream chat completions with Microsoft.Extensions.AI?"
START_TIMEOUT_SECONDS = 180.0


def free_port() -> int:
    """A port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> float:
    """Seconds until `/health` answered; raises if the service died or never answered."""
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT_SECONDS:
        if process.poll() is not None:
            raise RuntimeError(f"buddy serve exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2):  # noqa: S310 - loopback
                return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"buddy serve did not answer /health in {START_TIMEOUT_SECONDS:.0f} s")


def ask(base: str) -> int:
    """Post one chat question and read the whole stream; returns the number of lines."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/chat",
        data=json.dumps({"message": QUESTION}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
        return sum(1 for line in response if line.strip())


def main() -> int:
    buddy = Path(sys.executable).with_name("buddy")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="buddy-warm-") as home:
        # A clean environment: the image's production settings would refuse keyless chat.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "PORT": str(port),
            "BUDDY_HOST": "127.0.0.1",
            "BUDDY_DATA_DIR": str(Path(home) / "data"),
            "BUDDY_MCP_URL": "",
            "BUDDY_NUGET_SERVICE_INDEX": "http://127.0.0.1:9/v3/index.json",
            "BUDDY_LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen([str(buddy), "serve"], cwd=home, env=env)  # noqa: S603
        try:
            seconds = wait_until_healthy(base, process)
            lines = ask(base)
        finally:
            process.terminate()
            process.wait(timeout=60)
        warm_imports = [sys.executable, "-c", "import buddy.storage.mongo"]
        subprocess.run(warm_imports, check=True, env=env)  # noqa: S603 - our interpreter
    print(f"warm start: /health after {seconds:.1f} s, one answer of {lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
