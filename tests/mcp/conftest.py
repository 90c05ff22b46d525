"""A store with the demo docs, samples and news, and the fake NuGet source beside it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.demo import load_demo_content, load_demo_knowledge
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.storage.factory import opened_storage
from tests.fixtures.nuget_server import NuGetServerState, nuget_server

NAMES = {"search_docs", "search_nuget", "get_nuget_package", "search_samples", "search_news"}


async def _fill(settings: Settings) -> None:
    async with opened_storage(settings) as storage:
        await load_demo_content(storage)
        await load_demo_knowledge(storage, LocalEmbedder(), settings.data_dir / "cache")


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Filled once per module; the tests only read it."""
    data_dir = tmp_path_factory.mktemp("mcp") / "data"
    asyncio.run(_fill(Settings(_env_file=None, data_dir=data_dir)))
    return data_dir


@pytest.fixture(scope="module")
def nuget() -> Iterator[tuple[str, NuGetServerState]]:
    with nuget_server() as server:
        yield server


@pytest.fixture
def mcp_settings(
    settings: Settings, content_dir: Path, nuget: tuple[str, NuGetServerState]
) -> Settings:
    update = {
        "data_dir": content_dir,
        "demo_content": False,
        "nuget_service_index": nuget[0],
        "nuget_timeout_seconds": 2.0,
    }
    return settings.model_copy(update=update)
