"""`/metrics` scraped from a real `buddy serve`: counts match what was done, whichever worker
answers the scrape, and production lets only admin keys read them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from buddy.auth.service import create_key
from buddy.config import Environment, Settings
from buddy.storage.factory import opened_storage
from tests.fixtures.server import buddy_serve, free_port

PEPPER = "pepper-for-metrics-tests-0123456789"
QUESTION = {"message": "How do I stream a chat answer with IChatClient?"}


@dataclass(frozen=True)
class Keys:
    chat: str
    admin: str


@dataclass(frozen=True)
class Server:
    url: str
    keys: Keys


def production(data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        environment=Environment.PRODUCTION,
        cors_origins=["https://buddy.example.com"],
        key_pepper=SecretStr(PEPPER),
    )


def make_keys(settings: Settings) -> Keys:
    async def make() -> Keys:
        async with opened_storage(settings) as storage:
            chat = await create_key(storage, settings, "chat", timedelta(days=1))
            admin = await create_key(storage, settings, "ops", timedelta(days=1), admin=True)
            return Keys(chat.key, admin.key)

    return asyncio.run(make())


def samples(text: str) -> dict[str, float]:
    """`name{label="value",...}` (labels sorted) -> value, creation times left out."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


def scrape(url: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    # A new connection for every scrape, so the workers take turns answering.
    return httpx.get(f"{url}/metrics", headers=headers, timeout=10)


def chat(url: str, key: str | None) -> tuple[int, list[dict[str, object]]]:
    headers = {"X-Magic-Key": key} if key else {}
    response = httpx.post(f"{url}/api/chat", json=QUESTION, headers=headers, timeout=60)
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    return response.status_code, lines


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("metrics") / "data"
    keys = make_keys(production(data_dir))
    env = {
        "ENVIRONMENT": "production",
        "BUDDY_CORS_ORIGINS": "https://buddy.example.com",
        "BUDDY_KEY_PEPPER": PEPPER,
        # Counted per worker in memory: with two workers at most four of six get through.
        "BUDDY_RATE_LIMIT_CHAT": "2/minute",
    }
    with buddy_serve(data_dir, workers=2, env=env) as url:
        yield Server(url, keys)


def test_two_workers_report_the_same_totals_of_what_was_done(two_workers: Server) -> None:
    url, keys = two_workers.url, two_workers.keys
    statuses = [chat(url, keys.chat)[0] for _ in range(6)]
    answered = statuses.count(200)
    limited = statuses.count(429)
    assert answered + limited == 6
    assert 1 <= answered <= 4
    assert chat(url, None)[0] == 401
    assert chat(url, "bk_not-a-real-key")[0] == 403
    status, lines = chat(url, keys.admin)  # an admin key chats too
    assert status == 200
    span_id = str(lines[0]["span_id"])
    vote = {"span_id": span_id, "feedback_type": "thumbs_down"}
    voted = httpx.post(f"{url}/api/feedback", json=vote, timeout=10)
    assert voted.status_code == 200

    scrapes = [samples(scrape(url, keys.admin).text) for _ in range(6)]
    first = scrapes[0]
    streams = 'buddy_chat_streams_total{{outcome="{}",provider="offline"}}'
    assert first[streams.format("complete")] == answered + 1
    assert first[streams.format("refused")] == limited + 2
    assert first[streams.format("error")] == 0
    assert first['buddy_rate_limited_total{scope="chat"}'] == limited
    ok_checks = 'buddy_access_checks_total{result="ok"}'
    assert first[ok_checks] == 6 + 1 + 1  # the chat key's chats, the admin's, this scrape
    assert first['buddy_access_checks_total{result="missing"}'] == 1
    assert first['buddy_access_checks_total{result="unknown"}'] == 1
    assert first['buddy_feedback_total{type="thumbs_down"}'] == 1
    assert first['buddy_feedback_total{type="thumbs_up"}'] == 0
    assert (
        first['buddy_tool_calls_total{outcome="ok",tool="search_knowledge_base"}'] == answered + 1
    )
    assert first["buddy_search_top_similarity_count{}"] == answered + 1
    chat_route = 'buddy_http_requests_total{method="POST",route="/api/chat",status="200"}'
    assert first[chat_route] == answered + 1
    assert first['buddy_http_request_duration_seconds_count{route="/api/chat"}'] == 6 + 3
    assert first["buddy_chat_first_content_seconds_count{}"] == answered + 1
    # Each scrape counts itself (its request and its key check); the rest is the same in each.
    assert [s[ok_checks] for s in scrapes] == [first[ok_checks] + n for n in range(6)]
    for later in scrapes[1:]:
        assert _without_scrapes(later) == _without_scrapes(first)


def _without_scrapes(found: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in found.items() if "/metrics" not in k and 'result="ok"' not in k}


def test_production_metrics_need_an_admin_key(two_workers: Server) -> None:
    missing = scrape(two_workers.url)
    assert missing.status_code == 401
    assert missing.json()["code"] == "magic_key_required"
    chat_key = scrape(two_workers.url, two_workers.keys.chat)
    assert chat_key.status_code == 403
    assert chat_key.json()["code"] == "admin_key_required"
    by_header = httpx.get(
        f"{two_workers.url}/metrics", headers={"X-Magic-Key": two_workers.keys.admin}, timeout=10
    )
    assert by_header.status_code == 200
    assert by_header.headers["content-type"].startswith("text/plain")


def test_a_private_metrics_port_serves_them_and_the_app_port_does_not(tmp_path: Path) -> None:
    metrics_port = free_port()
    env = {"BUDDY_METRICS_PORT": str(metrics_port)}
    with buddy_serve(tmp_path / "data", workers=2, env=env) as url:
        assert chat(url, None)[0] == 200
        on_app = httpx.get(f"{url}/metrics", timeout=10)
        assert on_app.status_code == 404
        assert "BUDDY_METRICS_PORT" in on_app.json()["detail"]
        private = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
        assert private.status_code == 200
        found = samples(private.text)
        assert found['buddy_chat_streams_total{outcome="complete",provider="offline"}'] == 1
        assert found['buddy_http_requests_total{method="GET",route="/metrics",status="404"}'] == 1


def test_routes_are_counted_by_template_and_unknown_paths_share_one_label(
    base_url: str,
) -> None:
    before = samples(httpx.get(f"{base_url}/metrics", timeout=10).text)
    for sample_id in ("a-first-id", "another-id", "a-third"):
        assert httpx.get(f"{base_url}/api/samples/{sample_id}", timeout=10).status_code == 404
    for path in ("/wp-admin", "/.env", "/x/y/z"):
        httpx.get(f"{base_url}{path}", timeout=10)
    after = samples(httpx.get(f"{base_url}/metrics", timeout=10).text)
    template = (
        'buddy_http_requests_total{method="GET",route="/api/samples/{sample_id}",status="404"}'
    )
    unmatched = 'buddy_http_requests_total{method="GET",route="unmatched",status="404"}'
    assert after[template] - before.get(template, 0) == 3
    assert after[unmatched] - before.get(unmatched, 0) == 3
    assert not any("a-first-id" in name or "wp-admin" in name for name in after)


def test_metrics_can_be_turned_off(settings: Settings) -> None:
    from buddy.app import create_app  # noqa: PLC0415
    from tests.fixtures.server import serve_in_thread  # noqa: PLC0415

    with serve_in_thread(create_app(settings.model_copy(update={"metrics": False}))) as url:
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 404


def test_model_answers_count_tools_tokens_and_a_failed_tool(settings: Settings) -> None:
    """A scripted model calls search_nuget; NuGet is a closed port, so the tool says it
    failed and the answer goes on: one failed tool call, one complete stream, its tokens."""
    from buddy.app import create_app  # noqa: PLC0415
    from tests.fixtures.chat_setup import chat as chat_lines  # noqa: PLC0415
    from tests.fixtures.chat_setup import with_model  # noqa: PLC0415
    from tests.fixtures.model_server import model_server, text_turn, tool_turn  # noqa: PLC0415
    from tests.fixtures.server import serve_in_thread  # noqa: PLC0415

    with model_server() as (model_url, script):
        script.turns = [
            tool_turn("search_nuget", '{"query": "Microsoft.Extensions.AI"}'),
            text_turn("NuGet could not be reached just now."),
        ]
        app = create_app(with_model(settings, model_url))
        with serve_in_thread(app) as url:
            before = samples(httpx.get(f"{url}/metrics", timeout=10).text)
            lines = chat_lines(url, {"message": "Which package gives me IChatClient?"})
            after = samples(httpx.get(f"{url}/metrics", timeout=10).text)
    assert lines[-1]["type"] == "complete"

    def grew(name: str) -> float:
        return after.get(name, 0) - before.get(name, 0)

    provider = 'provider="openai-compatible"'
    assert grew(f'buddy_chat_streams_total{{outcome="complete",{provider}}}') == 1
    assert grew('buddy_tool_calls_total{outcome="error",tool="search_nuget"}') == 1
    assert grew('buddy_tool_calls_total{outcome="ok",tool="search_nuget"}') == 0
    assert grew('buddy_llm_tokens_total{kind="prompt"}') > 0
    assert grew('buddy_llm_tokens_total{kind="completion"}') > 0


def test_a_client_that_leaves_mid_answer_counts_as_cancelled(settings: Settings) -> None:
    from buddy.app import create_app  # noqa: PLC0415
    from tests.fixtures.chat_setup import with_model  # noqa: PLC0415
    from tests.fixtures.model_server import model_server, text_turn  # noqa: PLC0415
    from tests.fixtures.server import serve_in_thread  # noqa: PLC0415

    name = 'buddy_chat_streams_total{outcome="cancelled",provider="openai-compatible"}'
    with model_server() as (model_url, script):
        script.first_token_delay = 3.0  # the client is gone before the first word
        script.turns = [text_turn("Too late.")]
        with serve_in_thread(create_app(with_model(settings, model_url))) as url:
            before = samples(httpx.get(f"{url}/metrics", timeout=10).text).get(name, 0)
            body = {"message": "How do I stream a chat answer?"}
            with httpx.stream("POST", f"{url}/api/chat", json=body, timeout=30) as response:
                first = next(response.iter_lines())
                assert json.loads(first)["type"] == "metadata"
            deadline = time.monotonic() + 10
            now = before
            while time.monotonic() < deadline and now == before:
                time.sleep(0.1)
                now = samples(httpx.get(f"{url}/metrics", timeout=10).text).get(name, 0)
    assert now - before == 1
