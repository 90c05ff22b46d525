"""Scheduled syncs in running servers: two `buddy serve` processes on one store take turns
through the lease, pick up a change on their own, and /health names a failing source."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx

from buddy.config import Settings
from buddy.sources.registry import SourceSpec, checked
from buddy.storage.factory import opened_storage
from tests.fixtures.server import buddy_serve
from tests.sources.git_repo import Remote, page

EVERY_S = 2


def register(data_dir: Path, remote: Remote) -> None:
    async def work() -> None:
        async with opened_storage(Settings(_env_file=None, data_dir=data_dir)) as storage:
            # Written to the store directly: the command line's shortest interval is a minute.
            guide = checked(SourceSpec("guide", "git", remote.url, every_seconds=60))
            await storage.sources.add_source(replace(guide, every_seconds=EVERY_S))
            missing = (data_dir.parent / "missing.git").as_uri()
            await storage.sources.add_source(
                checked(SourceSpec("broken", "git", missing, every_seconds=3600))
            )

    asyncio.run(work())


def events(log: Path, name: str) -> list[dict[str, str]]:
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("source") == "guide" and record.get("event") == name:
                found.append(record)
    return found


def when(record: dict[str, str]) -> float:
    return datetime.fromisoformat(record["timestamp"]).timestamp()


def test_two_servers_on_one_store_take_turns_and_report_a_failing_source(
    tmp_path: Path,
) -> None:
    remote = Remote(tmp_path / "remote")
    remote.commit("first", {"agents.md": page("Agents", "A ChatCompletionAgent answers.")})
    data_dir = tmp_path / "data"
    register(data_dir, remote)
    env = {
        "BUDDY_DEMO_CONTENT": "false",
        "BUDDY_SOURCE_CHECK_SECONDS": "0.2",
        "BUDDY_LOG_LEVEL": "INFO",
        "BUDDY_LOG_FORMAT": "json",
    }
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with (
        buddy_serve(data_dir, log=logs[0], env=env) as first,
        buddy_serve(data_dir, log=logs[1], env=env) as second,
    ):
        time.sleep(EVERY_S + 1)
        remote.commit("more", {"filters.md": page("Filters", "IFunctionInvocationFilter.")})
        time.sleep(3 * EVERY_S)
        healths = [httpx.get(f"{url}/health", timeout=10).json() for url in (first, second)]

    for health in healths:
        assert health["status"] == "degraded"
        assert health["checks"]["sources"]["status"] == "degraded"
        assert "broken: last sync failed: git clone failed" in health["checks"]["sources"]["detail"]
    starts = sorted(
        (when(r), r["holder"]) for log in logs for r in events(log, "source_sync_started")
    )
    ends = sorted(when(r) for log in logs for r in events(log, "source_synced"))
    assert len(starts) >= 3, starts
    # One sync at a time, and one per interval, whichever server ran it.
    for (start, _), (following, _), end in zip(starts, starts[1:], ends, strict=False):
        assert end <= following, "two syncs of one source overlapped"
        assert following - start >= EVERY_S - 0.05, "a source was synced twice in one interval"
    # The change pushed while they ran was picked up without anyone asking.
    assert stored_pages(data_dir) == ["guide/agents.md", "guide/filters.md"]


def stored_pages(data_dir: Path) -> list[str]:
    async def work() -> list[str]:
        async with opened_storage(Settings(_env_file=None, data_dir=data_dir)) as storage:
            return sorted(await storage.chunks.page_hashes())

    return asyncio.run(work())
