"""The storage contract for conversations, their messages, share links and votes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from buddy.config import Settings
from buddy.retention import prune_expired
from buddy.storage.base import Storage
from buddy.storage.records import (
    Citation,
    Conversation,
    ConversationMessage,
    ConversationShare,
    Feedback,
    PageRequest,
    ToolCall,
)

pytestmark = pytest.mark.anyio
# Recent: MongoDB's TTL index (and the double's) would remove conversations from long ago.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
ALICE, BOB = "token:alice", "key:bob"


def conversation(
    conversation_id: str, owner: str = ALICE, minutes: int = 0, title: str = ""
) -> Conversation:
    when = T0 + timedelta(minutes=minutes)
    return Conversation(conversation_id, owner, title, when, when)


def question(text: str, minutes: int = 1) -> ConversationMessage:
    return ConversationMessage(-1, "user", text, T0 + timedelta(minutes=minutes))


def answer(
    text: str, span_id: str, status: str = "complete", minutes: int = 2
) -> ConversationMessage:
    return ConversationMessage(
        -1,
        "assistant",
        text,
        T0 + timedelta(minutes=minutes),
        span_id=span_id,
        trace_id="t" * 32,
        citations=(Citation("Agents", "https://learn.example/agents", "docs"),),
        tool_calls=(ToolCall("search_knowledge_base", {"query": "agents", "top": 5}),),
        status=status,
        error_code="" if status == "complete" else "model_error",
    )


def share(share_id: str, conversation_id: str, count: int, owner: str = ALICE) -> ConversationShare:
    return ConversationShare(
        share_id,
        f"hash-{share_id}",
        conversation_id,
        owner,
        "Shared",
        count,
        T0,
        T0 + timedelta(days=7),
    )


async def test_messages_append_in_order_with_every_field_and_the_first_question_titles(
    storage: Storage,
) -> None:
    store = storage.conversations
    await store.add_conversation(conversation("c1"))
    first = await store.append_messages(
        ALICE, "c1", [question("How do I stream?")], title="How do I stream?"
    )
    second = await store.append_messages(
        ALICE, "c1", [answer("Use streaming.", "s1", status="error")], title="ignored"
    )
    assert (first, second) == (0, 1)
    messages = await store.conversation_messages("c1")
    assert [m.seq for m in messages] == [0, 1]
    assert messages[0] == ConversationMessage(
        0, "user", "How do I stream?", T0 + timedelta(minutes=1)
    )
    assert messages[1] == replace(answer("Use streaming.", "s1", status="error"), seq=1)
    found = await store.get_conversation(ALICE, "c1")
    assert found is not None
    assert (found.title, found.message_count) == ("How do I stream?", 2)
    assert found.updated_at >= T0 + timedelta(minutes=2)
    assert [m.content for m in await store.conversation_messages("c1", limit=1)] == [
        "How do I stream?"
    ]


async def test_another_owner_sees_nothing_and_changes_nothing(storage: Storage) -> None:
    store = storage.conversations
    await store.add_conversation(conversation("c1", title="Alice's"))
    assert await store.get_conversation(BOB, "c1") is None
    assert await store.append_messages(BOB, "c1", [question("mine?")]) is None
    assert await store.rename_conversation(BOB, "c1", "taken", T0) is None
    assert await store.delete_conversation(BOB, "c1") is False
    assert (await store.list_conversations(BOB, PageRequest())).total == 0
    assert await store.count_conversations(BOB) == 0
    kept = await store.get_conversation(ALICE, "c1")
    assert kept is not None
    assert (kept.title, kept.message_count) == ("Alice's", 0)


async def test_list_is_newest_first_paged_and_searched_in_titles(storage: Storage) -> None:
    store = storage.conversations
    titles = ["Semantic Kernel plugins", "Ollama embeddings", "Kernel memory (ÄÖ)", "Agents"]
    for index, title in enumerate(titles):
        await store.add_conversation(conversation(f"c{index}", minutes=index, title=title))
    await store.add_conversation(conversation("other", owner=BOB, minutes=9, title="Kernel"))
    await store.append_messages(ALICE, "c0", [question("again", minutes=60)])
    page = await store.list_conversations(ALICE, PageRequest(1, 3))
    assert (page.total, [c.id for c in page.items]) == (4, ["c0", "c3", "c2"])
    second = await store.list_conversations(ALICE, PageRequest(2, 3))
    assert [c.id for c in second.items] == ["c1"]
    found = await store.list_conversations(ALICE, PageRequest(), search="KERNEL")
    assert sorted(c.id for c in found.items) == ["c0", "c2"]
    # Literal text, not a pattern: brackets and dots match themselves only.
    assert (await store.list_conversations(ALICE, PageRequest(), search="(äö)")).total == 1
    assert (await store.list_conversations(ALICE, PageRequest(), search=".*")).total == 0
    assert await store.count_conversations(ALICE) == 4


async def test_rename_keeps_a_title_that_a_later_question_does_not_replace(
    storage: Storage,
) -> None:
    store = storage.conversations
    await store.add_conversation(conversation("c1"))
    renamed = await store.rename_conversation(ALICE, "c1", "Mine", T0 + timedelta(hours=1))
    assert renamed is not None
    assert renamed.title == "Mine"
    await store.append_messages(ALICE, "c1", [question("first")], title="first")
    found = await store.get_conversation(ALICE, "c1")
    assert found is not None
    assert found.title == "Mine"


async def test_copy_with_messages_and_concurrent_appends_keep_unique_places(
    storage: Storage,
) -> None:
    store = storage.conversations
    copied = [question("q"), answer("a", "s1")]
    await store.add_conversation(conversation("copy"), copied)
    found = await store.get_conversation(ALICE, "copy")
    assert found is not None
    assert found.message_count == 2
    firsts = await asyncio.gather(
        *(store.append_messages(ALICE, "copy", [question(f"n{i}")]) for i in range(6))
    )
    assert sorted(firsts) == [2, 3, 4, 5, 6, 7]  # type: ignore[type-var]
    messages = await store.conversation_messages("copy")
    assert [m.seq for m in messages] == list(range(8))
    assert sorted(m.content for m in messages[2:]) == [f"n{i}" for i in range(6)]


async def test_shares_are_found_by_hash_listed_per_owner_and_go_with_their_conversation(
    storage: Storage,
) -> None:
    store = storage.conversations
    await store.add_conversation(conversation("c1"), [question("q"), answer("a", "s1")])
    await store.add_conversation(conversation("c2"))
    await store.add_share(share("sh1", "c1", 2))
    await store.add_share(share("sh2", "c1", 2))
    await store.add_share(share("sh3", "c2", 0))
    assert await store.share_by_hash("hash-sh1") == share("sh1", "c1", 2)
    assert await store.share_by_hash("hash-nope") is None
    assert [s.id for s in await store.list_shares(ALICE, "c1")] == ["sh1", "sh2"]
    assert await store.list_shares(BOB, "c1") == []
    assert await store.delete_share(BOB, "sh1") is False
    assert await store.delete_share(ALICE, "sh1") is True
    assert await store.share_by_hash("hash-sh1") is None
    assert await store.delete_conversation(ALICE, "c1") is True
    assert await store.share_by_hash("hash-sh2") is None
    assert await store.conversation_messages("c1") == []
    assert await store.share_by_hash("hash-sh3") is not None


async def test_prune_removes_untouched_conversations_with_messages_and_shares(
    storage: Storage,
) -> None:
    store = storage.conversations
    await store.add_conversation(conversation("old"), [question("q")])
    await store.add_share(share("sh-old", "old", 1))
    now = T0 + timedelta(days=40)
    await store.add_conversation(Conversation("new", ALICE, "", now, now))
    settings = Settings(_env_file=None, conversation_retention_days=30)
    pruned = await prune_expired(storage, settings, now=now)
    assert pruned.conversations == 1
    assert await store.get_conversation(ALICE, "old") is None
    assert await store.share_by_hash("hash-sh-old") is None
    assert await store.get_conversation(ALICE, "new") is not None


async def test_latest_votes_take_the_newest_vote_per_answer(storage: Storage) -> None:
    for span_id, vote in [("s1", "thumbs_up"), ("s2", "thumbs_up"), ("s1", "thumbs_down")]:
        await storage.feedback.add_feedback(Feedback(span_id, vote, T0))
    votes = await storage.feedback.latest_votes(["s1", "s2", "s3"])
    assert votes == {"s1": "thumbs_down", "s2": "thumbs_up"}
    assert await storage.feedback.latest_votes([]) == {}
