"""Saved conversations over HTTP: the real app under uvicorn on a SQLite file, and the
scripted model server where an answer has to fail or be cut off."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from buddy.app import create_app
from buddy.auth.service import create_key, owner_of
from buddy.config import Settings
from buddy.conversations.service import token_hash
from buddy.storage.factory import opened_storage
from buddy.storage.records import ConversationShare
from tests.conftest import local_settings, production_settings
from tests.fixtures.chat_setup import with_model
from tests.fixtures.model_server import model_server, text_turn
from tests.fixtures.server import serve_in_thread

QUESTION = "How do I stream a chat answer with Semantic Kernel?"


def owner() -> dict[str, str]:
    """A browser of its own: the page makes 16 random bytes as hex."""
    return {"X-Owner-Token": secrets.token_hex(16)}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    """Development mode with the offline answerer and the demo knowledge."""
    settings = local_settings(tmp_path_factory.mktemp("conversations") / "data").model_copy(
        update={"max_conversations_per_owner": 3, "max_conversation_messages": 4}
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url, settings


def new_conversation(url: str, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/conversations", json=body or None, headers=who)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def ask(url: str, who: dict[str, str], conversation_id: str, question: str) -> list[dict[str, Any]]:
    body = {"message": question, "conversation_id": conversation_id}
    response = httpx.post(f"{url}/api/chat", json=body, headers=who, timeout=60)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def detail(url: str, who: dict[str, str], conversation_id: str) -> httpx.Response:
    return httpx.get(f"{url}/api/conversations/{conversation_id}", headers=who)


def test_a_chat_is_saved_with_its_answer_citations_span_and_vote(
    app: tuple[str, Settings],
) -> None:
    url, _ = app
    alice = owner()
    created = new_conversation(url, alice)
    assert (created["title"], created["message_count"]) == ("", 0)
    body = {"message": QUESTION, "conversation_id": created["id"]}
    lines: list[dict[str, Any]] = []
    with httpx.stream("POST", f"{url}/api/chat", json=body, headers=alice) as response:
        for line in response.iter_lines():
            lines.append(json.loads(line))
            if lines[-1]["type"] == "complete":
                # Saved before the last line goes out: a page that refreshes on `complete`
                # finds the answer without waiting for the response to close.
                at_complete = detail(url, alice, created["id"]).json()["message_count"]
    assert lines[-1]["type"] == "complete"
    assert at_complete == 2
    span_id = lines[0]["span_id"]
    cited = [line["url"] for line in lines if line["type"] == "citation"]
    vote = {"span_id": span_id, "feedback_type": "thumbs_up"}
    assert httpx.post(f"{url}/api/feedback", json=vote).status_code == 200

    saved = detail(url, alice, created["id"]).json()
    assert (saved["title"], saved["message_count"]) == (QUESTION, 2)
    question, answer = saved["messages"]
    assert (question["seq"], question["role"], question["content"]) == (0, "user", QUESTION)
    assert (answer["seq"], answer["role"], answer["status"]) == (1, "assistant", "complete")
    assert answer["content"] == "".join(
        line["content"] for line in lines if line["type"] == "content"
    )
    assert answer["span_id"] == span_id
    assert cited
    assert [c["url"] for c in answer["citations"]] == cited
    assert answer["vote"] == "thumbs_up"
    assert question["vote"] is None
    listed = httpx.get(f"{url}/api/conversations", headers=alice).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]


def test_another_owner_gets_404_for_everything_and_changes_nothing(
    app: tuple[str, Settings],
) -> None:
    url, _ = app
    alice, bob = owner(), owner()
    mine = new_conversation(url, alice, title="Alice's plans")["id"]
    path = f"{url}/api/conversations/{mine}"
    attempts = [
        httpx.get(path, headers=bob),
        httpx.patch(path, json={"title": "Bob's now"}, headers=bob),
        httpx.delete(path, headers=bob),
        httpx.post(f"{path}/shares", json={}, headers=bob),
        httpx.get(f"{path}/shares", headers=bob),
        httpx.post(f"{url}/api/chat", json={"message": "hi", "conversation_id": mine}, headers=bob),
    ]
    assert [(r.status_code, r.json()["code"]) for r in attempts] == [
        (404, "conversation_not_found")
    ] * 6
    # The same answer as for an id nobody has: nothing to tell the two apart.
    unknown = httpx.get(f"{url}/api/conversations/{secrets.token_urlsafe(16)}", headers=alice)
    assert unknown.json() == attempts[0].json()
    assert httpx.get(f"{url}/api/conversations", headers=bob).json()["total"] == 0
    kept = detail(url, alice, mine).json()
    assert (kept["title"], kept["message_count"]) == ("Alice's plans", 0)
    for headers in ({}, {"X-Owner-Token": "short"}, {"X-Owner-Token": "x" * 21 + "!"}):
        refused = httpx.get(f"{url}/api/conversations", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "owner_token_required")


def test_list_is_paged_newest_first_searched_renamed_and_deleted(app: tuple[str, Settings]) -> None:
    url, _ = app
    carol = owner()
    ids = [new_conversation(url, carol, title=t)["id"] for t in ("RAG [basics]", "Agents", "rag.*")]
    listed = httpx.get(f"{url}/api/conversations?page_size=2", headers=carol).json()
    assert (listed["total"], listed["pages"]) == (3, 2)
    assert [item["id"] for item in listed["items"]] == [ids[2], ids[1]]
    found = httpx.get(f"{url}/api/conversations", params={"search": "RAG"}, headers=carol).json()
    assert sorted(item["id"] for item in found["items"]) == sorted([ids[0], ids[2]])
    literal = httpx.get(f"{url}/api/conversations", params={"search": "[b"}, headers=carol)
    assert [item["id"] for item in literal.json()["items"]] == [ids[0]]
    renamed = httpx.patch(
        f"{url}/api/conversations/{ids[0]}", json={"title": "  Retrieval  "}, headers=carol
    )
    assert renamed.json()["title"] == "Retrieval"
    newest = httpx.get(f"{url}/api/conversations", headers=carol).json()["items"][0]
    assert newest["id"] == ids[0]  # a rename is an update
    full = httpx.post(f"{url}/api/conversations", headers=carol)
    assert (full.status_code, full.json()["code"]) == (409, "conversation_limit")
    assert "BUDDY_MAX_CONVERSATIONS_PER_OWNER" in full.json()["detail"]
    gone = httpx.delete(f"{url}/api/conversations/{ids[1]}", headers=carol)
    assert gone.status_code == 204
    assert detail(url, carol, ids[1]).status_code == 404
    assert httpx.delete(f"{url}/api/conversations/{ids[1]}", headers=carol).status_code == 404


def _expired_share(settings: Settings, conversation_id: str, owner_header: dict[str, str]) -> str:
    """A link that expired a minute ago, written straight into the store."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    share = ConversationShare(
        secrets.token_urlsafe(9),
        token_hash(token),
        conversation_id,
        owner_of(None, owner_header["X-Owner-Token"]),
        "expired",
        2,
        now - timedelta(days=2),
        now - timedelta(minutes=1),
    )

    async def add() -> None:
        async with opened_storage(settings) as storage:
            await storage.conversations.add_share(share)

    asyncio.run(add())
    return token


def test_share_shows_the_moment_of_sharing_continues_as_a_copy_and_revokes(
    app: tuple[str, Settings],
) -> None:
    url, settings = app
    dana, erin = owner(), owner()
    conversation = new_conversation(url, dana)["id"]
    ask(url, dana, conversation, QUESTION)
    made = httpx.post(
        f"{url}/api/conversations/{conversation}/shares", json={"expires_in_days": 7}, headers=dana
    )
    assert made.status_code == 201
    link = made.json()
    assert link["url"] == f"/share/{link['token']}"
    assert len(link["token"]) >= 43
    assert link["message_count"] == 2
    assert link["expires_at"] is not None
    ask(url, dana, conversation, "And with tool calls?")  # after sharing: not in the link

    shared = httpx.get(f"{url}/api/shares/{link['token']}")  # no owner token at all
    assert shared.status_code == 200
    assert next(m["content"] for m in shared.json()["messages"]) == QUESTION
    assert len(shared.json()["messages"]) == 2
    assert all(m["vote"] is None for m in shared.json()["messages"])

    copy = httpx.post(f"{url}/api/shares/{link['token']}/continue", headers=erin)
    assert copy.status_code == 201
    assert copy.json()["message_count"] == 2
    ask(url, erin, copy.json()["id"], "A follow-up of my own")
    assert detail(url, erin, copy.json()["id"]).json()["message_count"] == 4
    assert detail(url, dana, conversation).json()["message_count"] == 4
    assert len(httpx.get(f"{url}/api/shares/{link['token']}").json()["messages"]) == 2
    full = httpx.post(
        f"{url}/api/chat",
        json={"message": "one more", "conversation_id": conversation},
        headers=dana,
    )
    assert (full.status_code, full.json()["code"]) == (413, "conversation_full")

    listed = httpx.get(f"{url}/api/conversations/{conversation}/shares", headers=dana).json()
    assert [item["id"] for item in listed["items"]] == [link["id"]]
    assert "token" not in listed["items"][0]
    revoked = httpx.delete(
        f"{url}/api/conversations/{conversation}/shares/{link['id']}", headers=dana
    )
    assert revoked.status_code == 204
    gone = httpx.get(f"{url}/api/shares/{link['token']}")
    assert (gone.status_code, gone.json()["code"]) == (404, "share_not_found")
    assert httpx.post(f"{url}/api/shares/{link['token']}/continue", headers=erin).status_code == 404

    second = httpx.post(f"{url}/api/conversations/{conversation}/shares", headers=dana).json()
    assert second["expires_at"] is None
    assert httpx.delete(f"{url}/api/shares/{second['token']}", headers=erin).status_code == 404
    assert httpx.delete(f"{url}/api/shares/{second['token']}", headers=dana).status_code == 204
    assert httpx.get(f"{url}/api/shares/{second['token']}").status_code == 404

    expired = _expired_share(settings, conversation, dana)
    assert httpx.get(f"{url}/api/shares/{expired}").status_code == 404
    third = httpx.post(f"{url}/api/conversations/{conversation}/shares", headers=dana).json()
    assert httpx.delete(f"{url}/api/conversations/{conversation}", headers=dana).status_code == 204
    assert httpx.get(f"{url}/api/shares/{third['token']}").status_code == 404


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_an_answer_that_fails_or_is_left_mid_stream_is_saved_as_such(tmp_path: Path) -> None:
    with model_server() as (model_url, script):
        settings = with_model(local_settings(tmp_path / "data"), model_url)
        with serve_in_thread(create_app(settings)) as url:
            gina = owner()
            failed = new_conversation(url, gina)["id"]
            script.turns = [500]
            lines = ask(url, gina, failed, "Will this work?")
            assert lines[-1]["type"] == "error"
            saved = detail(url, gina, failed).json()["messages"]
            assert [(m["role"], m["status"]) for m in saved] == [
                ("user", "complete"),
                ("assistant", "error"),
            ]
            assert saved[1]["error_code"] == lines[-1]["code"]

            left = new_conversation(url, gina)["id"]
            script.first_token_delay = 3.0  # the client is gone before the first word
            script.turns = [text_turn("Too late.")]
            body = {"message": "A slow one", "conversation_id": left}
            with httpx.stream("POST", f"{url}/api/chat", json=body, headers=gina) as response:
                assert json.loads(next(response.iter_lines()))["type"] == "metadata"

            def cancelled() -> bool:
                messages = detail(url, gina, left).json()["messages"]
                return [m["status"] for m in messages] == ["complete", "cancelled"]

            assert _eventually(cancelled)


def test_in_production_the_key_owns_its_conversations(tmp_path: Path) -> None:
    settings = production_settings(tmp_path / "data", "conversation-test-pepper")

    async def make_keys() -> tuple[str, str]:
        async with opened_storage(settings) as storage:
            first = await create_key(storage, settings, "first")
            second = await create_key(storage, settings, "second")
            return first.key, second.key

    first, second = asyncio.run(make_keys())
    with serve_in_thread(create_app(settings)) as url:
        mine = {"X-Magic-Key": first}
        created = new_conversation(url, mine, title="Keyed")
        assert httpx.get(f"{url}/api/conversations").status_code == 401
        other = detail(url, {"X-Magic-Key": second}, created["id"])
        assert (other.status_code, other.json()["code"]) == (404, "conversation_not_found")
        # An owner token is no way around the key in production.
        sneaky = detail(url, {"X-Owner-Token": secrets.token_hex(16)}, created["id"])
        assert sneaky.status_code == 401
        assert detail(url, mine, created["id"]).json()["title"] == "Keyed"
