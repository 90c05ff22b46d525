from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from buddy.nuget.client import NuGetFeed
from buddy.nuget.service import NuGetService
from tests.fixtures.nuget_server import NuGetServerState, nuget_server

TIMEOUT = 1.0  # short, so a hanging endpoint costs the tests little


@pytest.fixture
def nuget() -> Iterator[tuple[str, NuGetServerState]]:
    with nuget_server() as server:
        yield server


@pytest.fixture
async def service(nuget: tuple[str, NuGetServerState]) -> AsyncIterator[NuGetService]:
    index_url, _ = nuget
    async with httpx.AsyncClient() as http:
        feed = NuGetFeed(http, index_url, TIMEOUT, backoff_seconds=0.05)
        yield NuGetService(feed, "https://www.nuget.org", cache_entries=64)
