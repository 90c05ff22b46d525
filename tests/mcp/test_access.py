"""Production: `/mcp` wants a magic key and counts against its rate limit, like chat."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from pydantic import SecretStr

from buddy.app import create_app
from buddy.auth.service import create_key
from buddy.config import Environment, Settings
from buddy.storage.factory import opened_storage
from tests.fixtures.server import serve_in_thread
from tests.mcp.conftest import NAMES

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@pytest.fixture
def production(mcp_settings: Settings) -> Settings:
    update = {
        "environment": Environment.PRODUCTION,
        "cors_origins": ["https://buddy.example.com"],
        "key_pepper": SecretStr("pepper-for-mcp-tests-0123456789"),
    }
    return mcp_settings.model_copy(update=update)


@pytest.fixture
def keys(production: Settings) -> tuple[str, str]:
    """A key with the default limit and one allowed two requests a minute."""

    async def make() -> tuple[str, str]:
        async with opened_storage(production) as storage:
            plain = await create_key(storage, production, "mcp", timedelta(days=1))
            slow = await create_key(storage, production, "slow", timedelta(days=1), 2)
            return plain.key, slow.key

    return asyncio.run(make())


@pytest.fixture
def url(production: Settings) -> Iterator[str]:
    with serve_in_thread(create_app(production)) as base:
        yield f"{base}/mcp"


def post(url: str, **headers: str) -> httpx.Response:
    return httpx.post(url, json=LIST_TOOLS, headers=ACCEPT | headers, timeout=30)


def test_no_key_is_401_and_an_unknown_key_403_in_the_error_shape(url: str) -> None:
    missing = post(url)
    assert missing.status_code == 401
    assert missing.json()["code"] == "magic_key_required"
    unknown = post(url, Authorization="Bearer bk_not-a-key-we-made")
    assert unknown.status_code == 403
    assert unknown.json() == {
        "detail": "This access key is not valid.",
        "code": "magic_key_invalid",
    }


def test_a_valid_key_lists_the_tools_by_bearer_or_header(url: str, keys: tuple[str, str]) -> None:
    plain, _ = keys
    by_header = post(url, **{"X-Magic-Key": plain})
    assert by_header.status_code == 200
    assert {tool["name"] for tool in by_header.json()["result"]["tools"]} == NAMES

    async def list_with_client() -> set[str]:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {plain}"})
        async with http, Client(streamable_http_client(url, http_client=http)) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    assert asyncio.run(list_with_client()) == NAMES


def test_a_key_over_its_rate_limit_gets_429(url: str, keys: tuple[str, str]) -> None:
    plain, slow = keys
    answers = [post(url, Authorization=f"Bearer {slow}") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert post(url, Authorization=f"Bearer {plain}").status_code == 200  # counted per key
