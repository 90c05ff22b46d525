"""What every benchmark shares: a header that says when, where and with which limits lifted,
and a tally of failures that turns any error into a non-zero exit.

A benchmark that counts refused or failed requests as throughput reports a fiction; here a
failure is named, and the run exits 1 after printing its figures."""

from __future__ import annotations

import asyncio
import datetime
import importlib.metadata
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Limits a load benchmark lifts: it measures the service's speed, not its refusals (the
# refusal figure in benchmarks/news_samples.py keeps them).
LIFTED_LIMITS = {
    "BUDDY_RATE_LIMIT_API": "1000000000/minute",
    "BUDDY_RATE_LIMIT_CHAT": "1000000000/minute",
}
_VERSIONS = ("numpy", "onnxruntime", "openai-agents", "fastapi", "uvicorn")


def machine() -> str:
    """Cores, Python and the versions that move the figures, on one line."""
    versions = []
    for name in _VERSIONS:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    python = f"Python {platform.python_version()}"
    return f"{os.cpu_count()} cores, {platform.machine()}, {python}, " + ", ".join(versions)


def header(title: str, lifted: Mapping[str, str] | None = None) -> None:
    """Print what is measured, when, on what, and which limits the run lifted."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"== {title}")
    print(f"   {now}; {machine()}")
    if lifted:
        print("   limits lifted: " + ", ".join(f"{k}={v}" for k, v in lifted.items()))
    sys.stdout.flush()


@dataclass
class Failures:
    """Errors seen during a run; `finish` exits 1 when there are any."""

    seen: list[str] = field(default_factory=list)

    def count(self, what: str, errors: int, total: int) -> None:
        if errors:
            self.seen.append(f"{what}: {errors} of {total} failed")

    def add(self, what: str) -> None:
        self.seen.append(what)

    def finish(self) -> None:
        if self.seen:
            print("FAILED:", file=sys.stderr)
            for line in self.seen:
                print(f"  {line}", file=sys.stderr)
            raise SystemExit(1)


def store_demo_content(data_dir: Path) -> None:
    """Put the demo news, samples and knowledge into a fresh SQLite store, before any server
    starts (servers then run with BUDDY_DEMO_CONTENT=false, so loading never competes)."""
    from buddy.config import Settings  # noqa: PLC0415 - the harness itself stays light
    from buddy.demo import load_demo_content  # noqa: PLC0415
    from buddy.storage.factory import opened_storage  # noqa: PLC0415

    async def fill() -> None:
        async with opened_storage(Settings(_env_file=None, data_dir=data_dir)) as storage:
            await load_demo_content(storage)

    asyncio.run(fill())
