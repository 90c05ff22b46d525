"""The services graph the in-process source syncs run on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from buddy.config import Settings
from buddy.services import Services, open_services


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    # A fast rate and a short timeout: the site is on 127.0.0.1 and one page is made slow.
    fast = settings.model_copy(update={"source_host_rate": 500.0, "source_timeout_seconds": 1.0})
    async with open_services(fast) as opened:
        yield opened
