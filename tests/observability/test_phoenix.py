"""Traces and feedback against a real Phoenix on 127.0.0.1: the app exports over OTLP/HTTP,
the test reads back through Phoenix's REST API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from buddy.app import create_app
from buddy.config import Settings
from buddy.storage.factory import opened_storage
from tests.fixtures.chat_setup import chat, ingest_tree, with_model
from tests.fixtures.model_server import model_server, text_turn, tool_turn
from tests.fixtures.phoenix_server import Phoenix
from tests.fixtures.server import serve_in_thread
from tests.retrieval.trees import write_tree

pytestmark = pytest.mark.slow
PROJECT = "buddy-tests"
AGENTS_URL = "https://learn.microsoft.com/en-us/guide/agents"
T = TypeVar("T")


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phoenix]:
    server = Phoenix(tmp_path_factory.mktemp("phoenix"))
    server.start()
    print(f"phoenix started in {server.start_seconds:.1f} s")
    try:
        yield server
    finally:
        server.stop()


def traced(settings: Settings, phoenix: Phoenix, **extra: object) -> Settings:
    update = {"phoenix_collector_endpoint": phoenix.url, "phoenix_project_name": PROJECT}
    return settings.model_copy(update=update | extra)


def eventually(probe: Callable[[], T | None], timeout: float = 60.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def project_spans(phoenix: Phoenix) -> list[dict[str, Any]]:
    """Every span of the test project; none until Phoenix has made the project."""
    response = httpx.get(f"{phoenix.url}/v1/projects/{PROJECT}/spans", params={"limit": 1000})
    if response.status_code == 404:
        return []
    response.raise_for_status()
    spans: list[dict[str, Any]] = response.json()["data"]
    return spans


def spans_of_trace(phoenix: Phoenix, trace_id: str) -> list[dict[str, Any]]:
    return [span for span in project_spans(phoenix) if span["context"]["trace_id"] == trace_id]


def phoenix_annotations(phoenix: Phoenix, span_ids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(span_ids), 50):
        params: dict[str, Any] = {"span_ids": span_ids[start : start + 50], "limit": 1000}
        found += phoenix.get(f"/v1/projects/{PROJECT}/span_annotations", **params)["data"]
    return found


def test_a_chat_trace_and_its_feedback_land_in_phoenix(
    phoenix: Phoenix, settings: Settings, tmp_path: Path
) -> None:
    with model_server() as (model_url, script):
        configured = traced(with_model(settings, model_url), phoenix)
        asyncio.run(ingest_tree(configured, write_tree(tmp_path)))
        script.turns = [
            tool_turn("search_knowledge_base", '{"query": "agent with a thread"}'),
            text_turn(f"See [Building agents]({AGENTS_URL})."),
        ]
        with serve_in_thread(create_app(configured)) as url:
            lines = chat(url, {"message": "How do I build an agent?"})
            assert lines[-1]["type"] == "complete"
            span_id, trace_id = lines[0]["span_id"], lines[0]["trace_id"]

            def whole_trace() -> list[dict[str, Any]] | None:
                spans = spans_of_trace(phoenix, trace_id)
                kinds = {span["span_kind"] for span in spans}
                # The root ends last, so it may come in a later export batch than the rest.
                has_root = any(span["context"]["span_id"] == span_id for span in spans)
                wanted = {"CHAIN", "LLM", "TOOL", "RETRIEVER"}
                return spans if has_root and wanted <= kinds else None

            spans = eventually(whole_trace, what="the chat trace in Phoenix")
            root = next(span for span in spans if span["context"]["span_id"] == span_id)
            assert root["name"] == "chat"
            assert not root.get("parent_id")
            assert root["attributes"]["input.value"] == "How do I build an agent?"
            assert root["attributes"]["chat.provider"] == "openai-compatible"
            ids = {span["context"]["span_id"] for span in spans}
            assert all(span.get("parent_id") in ids for span in spans if span is not root)
            names = {span["name"] for span in spans}
            assert {"chat", "retrieve", "embed", "search", "stream"} <= names
            retrieval = next(span for span in spans if span["span_kind"] == "RETRIEVER")
            assert retrieval["attributes"]["retrieval.documents.0.document.id"] == AGENTS_URL

            vote = {"span_id": span_id, "feedback_type": "thumbs_down", "comment": "too short"}
            response = httpx.post(f"{url}/api/feedback", json=vote)
            assert response.status_code == 200
            assert response.json()["status"] in {"stored", "forwarded"}
            found = eventually(
                lambda: phoenix_annotations(phoenix, [span_id]), what="the annotation"
            )
    (annotation,) = found
    assert annotation["name"] == "user_feedback"
    assert annotation["annotator_kind"] == "HUMAN"
    assert annotation["result"] == {"label": "👎", "score": 0.0, "explanation": "too short"}


def test_feedback_waits_out_a_phoenix_outage_and_an_app_restart(
    phoenix: Phoenix, settings: Settings
) -> None:
    """N votes sent while Phoenix is down are all forwarded, exactly once, after it returns,
    even though the app restarted in between; a vote for a span Phoenix never saw does not
    hold the others up."""
    configured = traced(settings, phoenix, demo_content=False)
    votes = 100
    with serve_in_thread(create_app(configured)) as url:
        span_ids = [chat(url, {"message": f"question {n}"})[0]["span_id"] for n in range(votes)]
    eventually(lambda: len(project_spans(phoenix)) >= votes, what="the answers' spans")
    phoenix.stop()
    unknown_span = "00000000000000ff"
    try:
        with serve_in_thread(create_app(configured)) as url:
            started = time.perf_counter()
            for n, span_id in enumerate([*span_ids, unknown_span]):
                kind = "thumbs_up" if n % 2 else "thumbs_down"
                body = {"span_id": span_id, "feedback_type": kind, "comment": f"vote {n}"}
                response = httpx.post(f"{url}/api/feedback", json=body)
                assert response.json()["status"] == "stored"
            rate = (votes + 1) / (time.perf_counter() - started)
            print(f"feedback accepted with Phoenix down: {rate:.0f}/s")
    finally:
        phoenix.start()

    def all_forwarded() -> list[dict[str, Any]] | None:
        found = phoenix_annotations(phoenix, span_ids)
        return found if len(found) >= votes else None

    with serve_in_thread(create_app(configured)):
        started = time.perf_counter()
        found = eventually(all_forwarded, what="every vote forwarded")
        print(f"outbox drained {votes} votes in {time.perf_counter() - started:.1f} s")
    assert sorted(a["span_id"] for a in found) == sorted(span_ids)  # none lost, none twice
    by_span = {a["span_id"]: a["result"] for a in found}
    assert by_span[span_ids[1]] == {"label": "👍", "score": 1.0, "explanation": "vote 1"}

    async def pending() -> list[tuple[str, int, str]]:
        async with opened_storage(configured) as storage:
            rows = await storage.feedback.pending_feedback("phoenix", 1000, 1000)
            return [(row.span_id, row.attempts, row.last_error) for row in rows]

    ((span, attempts, error),) = asyncio.run(pending())
    assert (span, error) == (unknown_span, "Phoenix answered HTTP 404")
    assert attempts >= 1
