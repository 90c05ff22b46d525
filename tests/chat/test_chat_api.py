"""POST /api/chat through the real app: the offline answerer on the shared corpus, and access."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from buddy.app import create_app
from buddy.auth.service import hash_key
from buddy.config import Settings
from buddy.storage.factory import create_storage
from buddy.storage.records import MagicKey
from tests.fixtures.chat_setup import SEED_FILTERS, ingest_tree
from tests.fixtures.corpus import IngestedCorpus
from tests.fixtures.server import serve_in_thread
from tests.retrieval.trees import write_tree

IN_SCOPE = {
    "How do I create a ChatCompletionAgent in C#?": "agent-types/chat-completion-agent",
    "How can I make the model call my kernel functions automatically?": "function-calling",
    "What vector store connectors are available out of the box?": "out-of-the-box-connectors",
    "How do I migrate from Semantic Kernel agents to Agent Framework?": "from-semantic-kernel",
    "How do I add a plugin with native C# functions to the kernel?": "plugins",
}
OUT_OF_SCOPE = [
    "best pizza in Naples",
    "How do I change a flat tyre on my bike?",
    "Recommend a fantasy novel for a long flight",
]


def ask(
    url: str, body: dict[str, Any], **headers: str
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    response = httpx.post(f"{url}/api/chat", json=body, headers=headers, timeout=60)
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    return response, lines


@pytest.fixture
def corpus_url(corpus: IngestedCorpus) -> Iterator[str]:
    with serve_in_thread(create_app(corpus.settings)) as url:
        yield url


@pytest.mark.slow
def test_in_scope_questions_cite_the_right_page(corpus_url: str) -> None:
    for question, page in IN_SCOPE.items():
        response, lines = ask(corpus_url, {"message": question})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        kinds = [line["type"] for line in lines]
        assert kinds[0] == "metadata"
        assert kinds[-1] == "complete"
        assert kinds.count("complete") + kinds.count("error") == 1
        assert re.fullmatch(r"[0-9a-f]{16}", lines[0]["span_id"])
        assert lines[-1]["span_id"] == lines[0]["span_id"]
        assert re.fullmatch(r"[0-9a-f]{32}", lines[0]["trace_id"])
        cited = [line["url"] for line in lines if line["type"] == "citation"]
        assert any(page in url for url in cited[:3]), (question, cited)
        answer = "".join(line["content"] for line in lines if line["type"] == "content")
        assert "No language model is configured" in answer
        assert "**Sources**" in answer


@pytest.mark.slow
def test_out_of_scope_questions_get_the_nothing_found_answer(corpus_url: str) -> None:
    for question in OUT_OF_SCOPE:
        _, lines = ask(corpus_url, {"message": question})
        answer = "".join(line["content"] for line in lines if line["type"] == "content")
        assert "The knowledge base has nothing on this question" in answer, question
        assert not [line for line in lines if line["type"] == "citation"]
        assert lines[-1]["type"] == "complete"


@pytest.fixture
def small_kb_url(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """The offline answerer over a four-page knowledge base."""
    asyncio.run(ingest_tree(settings, write_tree(tmp_path)))
    with serve_in_thread(create_app(settings)) as url:
        yield url


def test_the_seeds_filters_are_free_text_mapped_to_tags(small_kb_url: str) -> None:
    for filters, tags in SEED_FILTERS:
        response, lines = ask(
            small_kb_url, {"message": "How do I build an agent?", "filters": filters}
        )
        assert response.status_code == 200, filters
        assert lines[-1]["type"] == "complete", filters
        search = next(line for line in lines if line["type"] == "tool_call")
        assert search["args"].get("tags", []) == tags, filters
        # Narrow filters fall back to the whole knowledge base rather than answering nothing.
        assert any(line["type"] == "citation" for line in lines), filters
    too_long, _ = ask(small_kb_url, {"message": "hi", "filters": {"aiLibrary": "x" * 61}})
    assert too_long.status_code == 422


def test_bad_requests_are_refused_before_streaming(base_url: str) -> None:
    empty, _ = ask(base_url, {"message": "   \n\t "})
    assert empty.status_code == 400
    assert empty.json() == {
        "detail": "The message is empty; type a question.",
        "code": "empty_message",
    }
    system, _ = ask(base_url, {"message": "hi", "history": [{"role": "system", "content": "x"}]})
    assert system.status_code == 422
    assert "history.0.role" in system.json()["detail"]
    missing = httpx.post(f"{base_url}/api/chat", json={"history": []})
    assert missing.status_code == 422


@pytest.fixture
def production(settings: Settings) -> Iterator[tuple[str, str]]:
    pepper = "test-pepper-0123456789"
    prod = Settings(
        _env_file=None,
        data_dir=settings.data_dir,
        environment="production",
        cors_origins="https://buddy.example.com",
        key_pepper=pepper,
        demo_content=False,
    )

    async def add_keys() -> None:
        storage = create_storage(prod)
        await storage.open()
        now = datetime.now(UTC)
        await storage.keys.add_key(MagicKey("k1", hash_key("good-key", pepper), "ok", now))
        await storage.keys.add_key(
            MagicKey("k2", hash_key("off-key", pepper), "off", now, enabled=False)
        )
        await storage.keys.add_key(
            MagicKey("k3", hash_key("old-key", pepper), "old", now, expires_at=now - timedelta(1))
        )
        await storage.close()

    asyncio.run(add_keys())
    with serve_in_thread(create_app(prod)) as url:
        yield url, pepper


def test_production_needs_a_valid_magic_key(production: tuple[str, str]) -> None:
    url, _ = production
    body = {"message": "How do I stream chat?"}
    missing, _ = ask(url, body)
    assert missing.status_code == 401
    assert missing.json()["code"] == "magic_key_required"
    refusals = [
        ask(url, body | {"magic_key": "wrong"})[0],
        ask(url, body | {"magic_key": "off-key"})[0],
        ask(url, body, **{"X-Magic-Key": "old-key"})[0],
    ]
    assert [r.status_code for r in refusals] == [403, 403, 403]
    assert len({r.json()["detail"] for r in refusals}) == 1
    accepted, lines = ask(url, body, **{"X-Magic-Key": "good-key"})
    assert accepted.status_code == 200
    assert lines[-1]["type"] == "complete"
