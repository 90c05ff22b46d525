from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from buddy.config import Environment, Settings
from buddy.logs import configure_logging
from buddy.storage.base import Storage
from buddy.storage.factory import opened_storage
from tests.fixtures.env import isolate_environment
from tests.fixtures.feed_server import FeedServerState, feed_server

# Every test's captured output is scanned for the secrets the suite uses.
pytest_plugins = ["tests.secrets_check"]


@pytest.fixture(autouse=True, scope="session")
def service_logging() -> None:
    """Log as `buddy serve` does: structlog's default renders tracebacks with every frame's
    locals, unredacted, and on the event loop (seconds for a deep one, so requests stall).
    """
    configure_logging("INFO", "console")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_environment(monkeypatch)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def local_settings(data_dir: Path) -> Settings:
    # No MCP by default and no NuGet source: the default URLs are on the internet, and tests
    # stay on 127.0.0.1 (port 9, discard, refuses at once). NuGet tests start a fake source.
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        log_level="WARNING",
        mcp_url="",
        nuget_service_index="http://127.0.0.1:9/v3/index.json",
        # Every test client is 127.0.0.1; the rate-limit tests set their own limits.
        rate_limit_chat="100000/minute",
        rate_limit_api="100000/minute",
    )


def production_settings(data_dir: Path, pepper: str) -> Settings:
    """Production mode on 127.0.0.1: keys peppered with `pepper`, no demo content, no MCP."""
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        environment=Environment.PRODUCTION,
        cors_origins=["https://buddy.example.com"],
        key_pepper=SecretStr(pepper),
        demo_content=False,
        mcp_url="",
    )


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return local_settings(data_dir)


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on an ephemeral port."""
    from buddy.app import create_app  # noqa: PLC0415
    from tests.fixtures.server import serve_in_thread  # noqa: PLC0415

    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Storage]:
    """An open embedded store in a temporary data dir."""
    async with opened_storage(settings) as storage:
        yield storage


@pytest.fixture
def feeds() -> Iterator[tuple[str, FeedServerState]]:
    with feed_server() as server:
        yield server


# The ingested shared corpus, for retrieval and chat tests (session-scoped: ingested once).
from tests.fixtures.corpus import corpus, corpus_kb, corpus_store  # noqa: E402, F401
