"""Insights over a store filled through the real chat path: exact counts, questions grouped by
meaning, declined questions and the pages behind thumbs-down answers; admin-only in production."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from buddy.app import create_app
from buddy.auth.service import create_key
from buddy.config import Settings
from buddy.demo import load_demo_knowledge
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.storage.factory import opened_storage
from buddy.storage.records import AnswerRecord
from tests.cli.runner import run_buddy
from tests.conftest import local_settings, production_settings
from tests.fixtures.server import serve_in_thread

# Three wordings of one question, one other in-scope question, one the demo knowledge cannot
# answer (the offline answerer declines it and cites nothing).
PARAPHRASES = (
    "How do I stream a chat response with IChatClient?",
    "how can I get the chat reply streamed token by token using IChatClient",
    "Streaming chat completions through IChatClient: how?",
)
OTHER = "How do I give a Semantic Kernel agent a C# function it can call?"
OFF_TOPIC = "What is the best pizza topping in Naples?"


def ask(url: str, question: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{url}/api/chat", json={"message": question}, timeout=60)
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A development server with the demo knowledge, asked six questions and voted on."""
    data_dir = tmp_path_factory.mktemp("insights") / "data"
    settings = local_settings(data_dir)
    asyncio.run(_load_demo_knowledge(settings))
    with serve_in_thread(create_app(settings)) as url:
        asked = {question: ask(url, question) for question in (*PARAPHRASES, OTHER, OFF_TOPIC)}
        ask(url, PARAPHRASES[0])  # asked twice in the same words
        downvoted = asked[OTHER]
        vote = {"span_id": downvoted[0]["span_id"], "feedback_type": "thumbs_down"}
        assert httpx.post(f"{url}/api/feedback", json=vote, timeout=10).status_code == 200
        liked = {"span_id": asked[PARAPHRASES[1]][0]["span_id"], "feedback_type": "thumbs_up"}
        assert httpx.post(f"{url}/api/feedback", json=liked, timeout=10).status_code == 200
        found = httpx.get(f"{url}/api/admin/insights", params={"days": 7}, timeout=60)
        assert found.status_code == 200, found.text
        yield url, {"insights": found.json(), "asked": asked}


async def _load_demo_knowledge(settings: Settings) -> None:
    """Before the server starts, so no question races the background load."""
    async with opened_storage(settings) as storage:
        await load_demo_knowledge(storage, LocalEmbedder(), settings.data_dir / "cache")


def citations(lines: list[dict[str, Any]]) -> list[str]:
    return [str(line["url"]) for line in lines if line["type"] == "citation"]


def test_counts_are_exact(seeded: tuple[str, dict[str, Any]]) -> None:
    found, asked = seeded[1]["insights"], seeded[1]["asked"]
    assert citations(asked[OFF_TOPIC]) == []  # the premise: declined
    assert all(citations(asked[q]) for q in (*PARAPHRASES, OTHER))
    assert found["days"] == 7
    assert found["questions"] == 6
    assert found["answered"] == 5
    assert found["unanswered"] == 1
    assert found["errors"] == 0
    assert found["feedback"] == {"up": 1, "down": 1, "ratio": 0.5}
    assert found["tools"] == {"search_knowledge_base": 6}
    assert len(found["daily"]) == 8
    assert sum(day["questions"] for day in found["daily"]) == 6
    assert found["daily"][-1]["date"] == datetime.now(UTC).date().isoformat()
    assert found["latency"]["p50_s"] > 0
    assert found["latency"]["p95_s"] >= found["latency"]["p50_s"]
    assert sum(hour["questions"] for hour in found["peak_hours"]) == 6


def test_paraphrases_group_together_and_apart_from_other_questions(
    seeded: tuple[str, dict[str, Any]],
) -> None:
    groups = seeded[1]["insights"]["top_questions"]
    first = groups[0]
    assert first["question"] == PARAPHRASES[0]  # asked most, in these words
    assert first["count"] == 4
    assert set(first["examples"]) == set(PARAPHRASES)
    others = {group["question"]: group["count"] for group in groups[1:]}
    assert others == {OTHER: 1, OFF_TOPIC: 1}


def test_declined_questions_and_downvoted_pages_are_listed(
    seeded: tuple[str, dict[str, Any]],
) -> None:
    found, asked = seeded[1]["insights"], seeded[1]["asked"]
    assert found["unanswered_questions"] == [
        {"question": OFF_TOPIC, "count": 1, "examples": [OFF_TOPIC]}
    ]
    cited = citations(asked[OTHER])
    assert [source["url"] for source in found["downvoted_sources"]] == cited
    assert all(source["count"] == 1 for source in found["downvoted_sources"])


def test_days_out_of_range_is_a_clear_422(seeded: tuple[str, dict[str, Any]]) -> None:
    response = httpx.get(f"{seeded[0]}/api/admin/insights", params={"days": 0}, timeout=10)
    assert response.status_code == 422
    assert "days" in response.text


def test_answers_outside_the_window_are_left_out(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", demo_content=False)

    async def seed() -> None:
        async with opened_storage(settings) as storage:
            now = datetime.now(UTC)
            for span, age in (("a" * 16, 1), ("b" * 16, 10)):
                await storage.answers.add_answer(
                    AnswerRecord(span, "t", f"question {span}", "", now - timedelta(days=age))
                )

    asyncio.run(seed())
    result = run_buddy(
        "insights",
        "--days",
        "7",
        "--json",
        cwd=tmp_path,
        env={"BUDDY_DATA_DIR": str(tmp_path / "data"), "BUDDY_DEMO_CONTENT": "false"},
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["questions"] == 1
    assert found["unanswered"] == 1
    assert found["top_questions"][0]["question"] == "question " + "a" * 16


def test_production_insights_need_an_admin_key(tmp_path: Path) -> None:
    settings = production_settings(tmp_path / "data", "pepper-for-insights-tests-0123456789")

    async def keys() -> tuple[str, str]:
        async with opened_storage(settings) as storage:
            chat = await create_key(storage, settings, "chat")
            admin = await create_key(storage, settings, "ops", admin=True)
            return chat.key, admin.key

    chat_key, admin_key = asyncio.run(keys())
    with serve_in_thread(create_app(settings)) as url:
        route = f"{url}/api/admin/insights"
        missing = httpx.get(route, timeout=10)
        assert (missing.status_code, missing.json()["code"]) == (401, "magic_key_required")
        chat_only = httpx.get(route, headers={"X-Magic-Key": chat_key}, timeout=10)
        assert (chat_only.status_code, chat_only.json()["code"]) == (403, "admin_key_required")
        allowed = httpx.get(route, headers={"X-Magic-Key": admin_key}, timeout=30)
        assert allowed.status_code == 200
        assert allowed.json()["questions"] == 0
        page = httpx.get(f"{url}/admin", timeout=10)  # the page is static; its data is guarded
        assert page.status_code == 200
