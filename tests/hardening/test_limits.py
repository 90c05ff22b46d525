"""Rate limits and the configurable size limits, through the real app under uvicorn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from buddy.app import create_app
from buddy.auth.service import create_key
from buddy.config import Environment, Settings
from buddy.ratelimit import storage_uri
from buddy.storage.factory import opened_storage
from tests.fixtures.server import serve_in_thread


@contextmanager
def serve(settings: Settings, **update: object) -> Iterator[str]:
    # No demo content: nothing here reads it, and embedding it would only slow each start.
    quiet = settings.model_copy(update={"demo_content": False, **update})
    with serve_in_thread(create_app(quiet)) as url:
        yield url


@pytest.fixture
def limited(settings: Settings) -> Iterator[str]:
    with serve(settings, rate_limit_chat="2/minute", rate_limit_api="3/minute") as url:
        yield url


def test_chat_and_the_other_routes_are_limited_separately(limited: str) -> None:
    chats = [httpx.post(f"{limited}/api/chat", json={"message": "hi"}, timeout=30) for _ in "abc"]
    assert [r.status_code for r in chats] == [200, 200, 429]
    refused = chats[-1]
    assert refused.json()["code"] == "rate_limited"
    assert "BUDDY_RATE_LIMIT_CHAT" in refused.json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Chat's bucket is full; the news bucket is not.
    news = [httpx.get(f"{limited}/api/news").status_code for _ in range(4)]
    assert news == [200, 200, 200, 429]
    assert httpx.get(f"{limited}/health").status_code == 200  # never limited


def test_a_key_with_its_own_limit_is_held_to_it(settings: Settings) -> None:
    production = settings.model_copy(
        update={
            "environment": Environment.PRODUCTION,
            "cors_origins": ["https://buddy.example.com"],
            "key_pepper": SecretStr("pepper-for-tests-0123456789"),
        }
    )

    async def make_keys() -> tuple[str, str]:
        async with opened_storage(production) as storage:
            slow = await create_key(storage, production, "slow", timedelta(days=1), 1)
            fast = await create_key(storage, production, "fast", timedelta(days=1), None)
            return slow.key, fast.key

    slow, fast = asyncio.run(make_keys())
    with serve(production, rate_limit_chat="5/minute") as url:

        def ask(key: str, url: str = url) -> int:
            body = {"message": "hi", "magic_key": key}
            return httpx.post(f"{url}/api/chat", json=body, timeout=30).status_code

        assert [ask(slow), ask(slow)] == [200, 429]
        assert [ask(fast) for _ in range(6)] == [200] * 5 + [429]  # counted per key


@pytest.mark.parametrize(
    ("update", "body", "setting"),
    [
        ({"max_message_chars": 10}, {"message": "x" * 11}, "BUDDY_MAX_MESSAGE_CHARS"),
        (
            {"max_history_turns": 2},
            {"message": "q", "history": [{"role": "user", "content": "a"}] * 3},
            "BUDDY_MAX_HISTORY_TURNS",
        ),
        (
            {"max_history_chars": 5},
            {"message": "q", "history": [{"role": "user", "content": "abcdef"}]},
            "BUDDY_MAX_HISTORY_CHARS",
        ),
    ],
)
def test_chat_size_limits_are_settings_named_in_the_error(
    settings: Settings, update: dict[str, object], body: dict[str, object], setting: str
) -> None:
    with serve(settings, **update) as url:
        response = httpx.post(f"{url}/api/chat", json=body, timeout=30)
        assert response.status_code == 422
        assert response.json()["code"] == "limit_exceeded"
        assert setting in response.json()["detail"]


def test_comment_telemetry_and_page_size_limits(settings: Settings) -> None:
    with serve(settings, max_comment_chars=5, max_telemetry_bytes=64, max_page_size=7) as url:
        vote = {"span_id": "0123456789abcdef", "feedback_type": "thumbs_down", "comment": "x" * 6}
        comment = httpx.post(f"{url}/api/feedback", json=vote)
        event = {"event_type": "filter_used", "user_consent": True, "data": {"k": "v" * 80}}
        telemetry = httpx.post(f"{url}/api/telemetry", json=event)
        page = httpx.get(f"{url}/api/news", params={"page_size": 8})
        for response, setting in [
            (comment, "BUDDY_MAX_COMMENT_CHARS"),
            (telemetry, "BUDDY_MAX_TELEMETRY_BYTES"),
            (page, "BUDDY_MAX_PAGE_SIZE"),
        ]:
            assert response.status_code == 422, response.text
            assert setting in response.json()["detail"]
        assert httpx.get(f"{url}/api/news", params={"page_size": 7}).status_code == 200


def test_rate_counters_follow_the_store(settings: Settings) -> None:
    assert storage_uri(settings) == "async+memory://"
    mongo = settings.model_copy(update={"mongodb_uri": SecretStr("mongodb://db.example:27017")})
    assert storage_uri(mongo) == "async+mongodb://db.example:27017"
    custom = settings.model_copy(update={"rate_limit_storage": "async+redis://cache:6379"})
    assert storage_uri(custom) == "async+redis://cache:6379"


def test_a_bad_rate_setting_is_refused_at_start() -> None:
    from buddy.config import ConfigError, load_settings  # noqa: PLC0415

    with pytest.raises(ConfigError, match="BUDDY_RATE_LIMIT_CHAT: 'lots' is not a rate"):
        load_settings(_env_file=None, rate_limit_chat="lots")


def test_a_worker_at_its_stream_cap_turns_new_chats_away(settings: Settings) -> None:
    from tests.fixtures.chat_setup import with_model  # noqa: PLC0415
    from tests.fixtures.model_server import model_server  # noqa: PLC0415

    with model_server() as (model_url, script):
        script.turns = ["stall"]  # the first answer stays open until its client leaves
        capped = with_model(settings, model_url, max_open_streams=1, llm_stall_seconds=60.0)
        with serve(capped, rate_limit_chat="1000/minute") as url:
            with httpx.stream("POST", f"{url}/api/chat", json={"message": "a"}) as first:
                assert first.status_code == 200
                lines = first.iter_lines()  # kept: a dropped iterator closes the response
                assert '"metadata"' in next(lines)
                for _ in range(100):  # until the first answer is really waiting on the model
                    if script.requests:
                        break
                    time.sleep(0.05)
                refused = httpx.post(f"{url}/api/chat", json={"message": "b"}, timeout=30)
            assert refused.status_code == 503, refused.text
            assert refused.json()["code"] == "server_busy"
            assert "BUDDY_MAX_OPEN_STREAMS=1" in refused.json()["detail"]
            assert refused.headers["Retry-After"] == "2"
            # The first client left mid-answer: its place is given back, not lost.
            assert script.cancelled.wait(5), "the first answer's model request was not closed"
            for _ in range(50):
                again = httpx.post(f"{url}/api/chat", json={"message": "c"}, timeout=30)
                if again.status_code != 503:
                    break
                time.sleep(0.1)
            assert again.status_code == 200
            assert again.text.splitlines()[-1].startswith('{"type": "complete"')
