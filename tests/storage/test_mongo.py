"""MongoDB specifics: Atlas pipeline syntax, literal user text, seed shapes, indexes,
the fallback without Atlas Search, and copying a SQLite store. Runs on the in-process
double, and on a real server when BUDDY_TEST_MONGODB_URI is set."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from buddy.auth.service import hash_key
from buddy.errors import StorageError
from buddy.health.service import search_check
from buddy.storage.copy import copy_store
from buddy.storage.mongo import MongoStorage
from buddy.storage.mongo.connection import CHUNKS, KEYS, TELEMETRY, real_client
from buddy.storage.mongo.search import (
    cosine_from_score,
    text_index_definition,
    text_search_pipeline,
    vector_index_definition,
    vector_search_pipeline,
)
from buddy.storage.records import (
    AnswerRecord,
    Feedback,
    KnowledgeSource,
    MagicKey,
    PageRequest,
)
from buddy.storage.sqlite import create_storage as create_sqlite
from tests.fixtures.mongo_double import double_client, new_server
from tests.storage.conftest import (
    LIVE_SKIP_REASON,
    LIVE_URI_VARIABLE,
    drop_live_database,
    mongo_settings,
)
from tests.storage.test_contract import T0, chunk, news, page, sample

pytestmark = pytest.mark.anyio
PEPPER = "pepper-for-tests-only"


@pytest.fixture(params=["double", "live"])
async def mongo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MongoStorage]:
    settings = mongo_settings(tmp_path, key_pepper=PEPPER, telemetry_retention_days=30)
    if request.param == "live":
        if not os.environ.get(LIVE_URI_VARIABLE):
            pytest.skip(LIVE_SKIP_REASON)
        store = MongoStorage(settings, real_client(os.environ[LIVE_URI_VARIABLE]))
    else:
        server = new_server()
        store = MongoStorage(settings, lambda: double_client(server))
    await store.open()
    try:
        yield store
    finally:
        await store.close()
        if request.param == "live":
            drop_live_database(tmp_path)


def raw(store: MongoStorage, name: str) -> Any:
    """A collection as pymongo exposes it, for writing seed-shaped documents."""
    return store.db.collection(name)


# --- Atlas syntax (documented shapes of $vectorSearch, $search and the index definitions) ---


def test_vector_search_pipeline_matches_the_atlas_stage() -> None:
    pipeline = vector_search_pipeline(
        (0.25, -0.5), 10, 200, tags=["net9", "rag"], languages=["csharp"]
    )
    stage = pipeline[0]["$vectorSearch"]
    assert stage == {
        "index": "vector_index",
        "path": "embeddings",
        "queryVector": [0.25, -0.5],
        "numCandidates": 200,
        "limit": 10,
        "filter": {
            "$and": [
                {"tags": {"$eq": "net9"}},
                {"tags": {"$eq": "rag"}},
                {"language": {"$in": ["csharp"]}},
            ]
        },
    }
    assert pipeline[1] == {"$addFields": {"score": {"$meta": "vectorSearchScore"}}}
    assert pipeline[2]["$project"]["embeddings"] == 0


def test_vector_search_pipeline_without_filters_and_small_candidates() -> None:
    stage = vector_search_pipeline([1.0], 50, 5)[0]["$vectorSearch"]
    assert "filter" not in stage
    assert stage["numCandidates"] == 50  # Atlas refuses numCandidates below limit
    one = vector_search_pipeline([1.0], 5, 100, tags=["ollama"])[0]["$vectorSearch"]
    assert one["filter"] == {"tags": {"$eq": "ollama"}}


def test_text_search_pipeline_matches_the_atlas_stage() -> None:
    query = '{"$gt": ""} title:x* OR (a'
    pipeline = text_search_pipeline(query, 7, tags=["net9"], languages=["csharp", ""])
    search = pipeline[0]["$search"]
    assert search["index"] == "text_index"
    compound = search["compound"]
    assert compound["minimumShouldMatch"] == 1
    assert {
        clause["text"]["path"]: clause["text"]["score"]["boost"]["value"]
        for clause in compound["should"]
    } == {
        "title": 4.0,
        "heading": 2.0,
        "content": 1.0,
        "terms": 0.5,
    }
    # The text operator analyses the query as words: it is a value, never query syntax.
    assert all(clause["text"]["query"] == query for clause in compound["should"])
    assert compound["filter"] == [
        {"equals": {"path": "tags", "value": "net9"}},
        {"in": {"path": "language", "value": ["csharp", ""]}},
    ]
    assert pipeline[1] == {"$limit": 7}
    assert pipeline[2] == {"$addFields": {"score": {"$meta": "searchScore"}}}


def test_index_definitions() -> None:
    vector = vector_index_definition(384)
    assert vector["fields"][0] == {
        "type": "vector",
        "path": "embeddings",
        "numDimensions": 384,
        "similarity": "cosine",
    }
    assert {"type": "filter", "path": "tags"} in vector["fields"]
    assert {"type": "filter", "path": "language"} in vector["fields"]
    mappings = text_index_definition()["mappings"]
    assert mappings["dynamic"] is False
    assert mappings["fields"]["tags"] == {"type": "token"}
    assert mappings["fields"]["content"]["type"] == "string"
    assert cosine_from_score(1.0) == 1.0
    assert cosine_from_score(0.5) == 0.0


# --- literal user text ---


async def test_user_text_is_never_an_operator_or_pattern(mongo: MongoStorage) -> None:
    await mongo.news.upsert_news(
        [news("a", 1, title="Plain title"), news("b", 2, title="a+b (c)|d ^x$")]
    )
    await mongo.samples.upsert_samples([sample("s1", "Chat", ("chat",))])
    await mongo.keys.add_key(MagicKey("k1", "hash-1", "label", T0))
    for text in ['{"$gt": ""}', "$where", "$ne", ".*", "^^", "[", "(?i)", "\\"]:
        found = await mongo.news.list_news(PageRequest(1, 10), search=text)
        assert found.items == [], text
        assert await mongo.keys.key_by_hash(text) is None
        assert await mongo.samples.get_sample(text) is None
        assert await mongo.state.get_state(text) is None
        assert await mongo.chunks.get_chunks([text]) == []
    for text in ["a+b", "(c)|d", "^x$"]:
        found = await mongo.news.list_news(PageRequest(1, 10), search=text)
        assert [item.id for item in found.items] == ["b"], text
    await mongo.state.set_state("$set", "literal")
    assert await mongo.state.get_state("$set") == "literal"


# --- seed shapes ---


async def test_seed_chunk_documents_are_readable(mongo: MongoStorage) -> None:
    await raw(mongo, CHUNKS).insert_one(
        {
            "_id": "seed-1",
            "title": "Semantic Kernel agents",
            "content": "Agents call plugins.",
            "embeddings": [0.1, 0.2, 0.3],
            "sourceUrl": "https://learn.example/sk",
            "tags": ["semantic-kernel"],
        }
    )
    [found] = await mongo.chunks.get_chunks(["seed-1"])
    assert found.page_key == "https://learn.example/sk"
    assert found.url == "https://learn.example/sk"
    assert found.language == "csharp"
    table = await mongo.chunks.vector_table(3)
    assert table.ids == ["seed-1"]
    assert table.tags == [("semantic-kernel",)]


async def test_seed_registrations_are_read_then_rewritten_hashed(mongo: MongoStorage) -> None:
    await raw(mongo, KEYS).insert_one(
        {"_id": "raw-seed-key", "is_enabled": True, "email": "dev@example.com"}
    )
    digest = hash_key("raw-seed-key", PEPPER)
    found = await mongo.keys.key_by_hash(digest)
    assert found is not None
    assert found.enabled
    assert "raw-seed-key" not in (found.id, found.label)
    assert [key.id for key in await mongo.keys.list_keys()] == [found.id]
    assert await mongo.keys.set_key_enabled(found.id, False)
    lines: list[str] = []
    await mongo.prepare(384, lines.append)
    assert any("rewrote 1 seed registration" in line for line in lines)
    assert await raw(mongo, KEYS).find_one({"_id": "raw-seed-key"}) is None
    again = await mongo.keys.key_by_hash(digest)
    assert again is not None
    assert again.id == found.id
    assert not again.enabled
    await mongo.prepare(384, lines.append)  # idempotent
    assert len(await mongo.keys.list_keys()) == 1


# --- indexes, fallback, errors ---


async def test_open_makes_the_ttl_index_and_is_idempotent(mongo: MongoStorage) -> None:
    await mongo.open()
    indexes = await raw(mongo, TELEMETRY).index_information()
    assert indexes["telemetry_ttl"]["expireAfterSeconds"] == 30 * 86_400
    assert indexes["telemetry_ttl"]["key"] == [("stored_at", 1)]


async def test_without_atlas_search_the_store_falls_back_and_says_so(tmp_path: Path) -> None:
    server = new_server()
    store = MongoStorage(mongo_settings(tmp_path), lambda: double_client(server))
    await store.open()
    try:
        await store.chunks.replace_page(page("a"), [chunk("a", 0, "agents call plugins")])
        assert await store.chunks.vector_search([0.5, -0.25, 1.0], 5) is None
        mode = await store.chunks.search_mode()
        assert mode.degraded
        assert not mode.server_side
        assert "no Atlas Search" in mode.detail
        check = await search_check(store)
        assert check.status == "degraded"
        [hit] = await store.chunks.keyword_search("plugins", 5)
        assert hit.chunk.id == "a#0"
        lines: list[str] = []
        await store.prepare(384, lines.append)
        assert any("skipped Atlas Search indexes" in line for line in lines)
    finally:
        await store.close()


async def test_sqlite_search_mode_is_ok(tmp_path: Path) -> None:
    from buddy.config import Settings  # noqa: PLC0415

    store = create_sqlite(Settings(_env_file=None, data_dir=tmp_path / "data"))
    await store.open()
    try:
        assert (await search_check(store)).status == "ok"
        assert await store.chunks.vector_search([1.0], 5) is None
    finally:
        await store.close()


async def test_an_unreachable_server_is_a_storage_error(tmp_path: Path) -> None:
    # The real pymongo client against a closed local port: no server, a clean StorageError.
    store = MongoStorage(
        mongo_settings(tmp_path), real_client("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300")
    )
    started = time.monotonic()
    with pytest.raises(StorageError):
        await store.open()
    await store.close()
    assert time.monotonic() - started < 15


# --- copying an embedded store ---


async def test_copy_from_sqlite_is_complete_and_repeatable(
    tmp_path: Path, mongo: MongoStorage
) -> None:
    from buddy.config import Settings  # noqa: PLC0415

    source = create_sqlite(Settings(_env_file=None, data_dir=tmp_path / "sqlite"))
    await source.open()
    try:
        await source.chunks.replace_page(
            page("a"), [chunk("a", 0, "x", vector=(1.0, 0.0, 0.5)), chunk("a", 1, "y")]
        )
        await source.news.upsert_news([news(f"n{i}", i) for i in range(3)])
        await source.samples.upsert_samples([sample("s1", "Chat", ("chat",))])
        await source.keys.add_key(MagicKey("k1", "hash-1", "conference", T0))
        vote = await source.feedback.add_feedback(Feedback("0123456789abcdef", "thumbs_up", T0))
        assert vote.id is not None
        await source.feedback.mark_forwarded(vote.id, "phoenix")
        answer = AnswerRecord("0123456789abcdef", "ab" * 16, "q?", "a.", T0, sources=("u",))
        await source.answers.add_answer(answer)
        registered = KnowledgeSource(
            "docs",
            "git",
            "https://example.com/docs.git",
            T0,
            include=("docs/**",),
            every_seconds=3600,
            last_success_at=T0,
            last_summary="1 added",
            pages=1,
            chunks=2,
            failures=("b.md: unreadable",),
            cursor="abc123",
        )
        await source.sources.add_source(registered)
        seen: list[tuple[str, int, int]] = []
        first = await copy_store(source, mongo, lambda *step: seen.append(step))
        second = await copy_store(source, mongo, lambda *step: None)
    finally:
        await source.close()
    assert first == {
        "pages": 1,
        "news": 3,
        "samples": 1,
        "sources": 1,
        "keys": 1,
        "feedback": 1,
        "answers": 1,
    }
    assert await mongo.sources.list_sources() == [registered]
    assert await mongo.answers.answers_for(["0123456789abcdef"]) == {answer.span_id: answer}
    assert second["feedback"] == 0
    assert ("pages", 1, 1) in seen
    assert await mongo.chunks.page_hashes() == {"a": "h1"}
    [moved] = await mongo.chunks.get_chunks(["a#0"])
    assert moved.vector == (1.0, 0.0, 0.5)
    assert await mongo.news.count_news() == 3
    assert await mongo.keys.key_by_hash("hash-1") is not None
    [pending] = await mongo.feedback.pending_feedback("arize", 10, 5)
    assert pending.forwarded_to == ("phoenix",)
    assert await mongo.feedback.pending_feedback("phoenix", 10, 5) == []


# --- live only: Atlas search end to end ---


async def test_atlas_search_end_to_end(mongo: MongoStorage) -> None:
    if not os.environ.get(LIVE_URI_VARIABLE):
        pytest.skip(LIVE_SKIP_REASON)
    lines: list[str] = []
    await mongo.prepare(3, lines.append)
    if any("skipped Atlas Search" in line for line in lines):
        pytest.skip("this server has no Atlas Search (the double, or a plain MongoDB server)")
    await mongo.chunks.replace_page(
        page("a"), [chunk("a", 0, "IChatClient streaming", vector=(1.0, 0.0, 0.0), tags=("net9",))]
    )
    await mongo.chunks.replace_page(
        page("b"), [chunk("b", 0, "image generation", vector=(0.0, 1.0, 0.0))]
    )
    deadline = time.monotonic() + 120
    hits: list[Any] | None = []
    while time.monotonic() < deadline:
        hits = await mongo.chunks.vector_search([1.0, 0.0, 0.0], 5)
        words = await mongo.chunks.keyword_search("IChatClient", 5)
        if hits and len(hits) == 2 and words:
            break
        await asyncio.sleep(2)  # Atlas indexes new documents a moment after the write
    assert hits is not None
    assert [hit.chunk.page_key for hit in hits] == ["a", "b"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-3)
    assert [hit.chunk.page_key for hit in await mongo.chunks.keyword_search("IChatClient", 5)] == [
        "a"
    ]
    filtered = await mongo.chunks.vector_search([0.0, 1.0, 0.0], 5, tags=["net9"])
    assert [hit.chunk.page_key for hit in filtered or []] == ["a"]
    assert (await mongo.chunks.search_mode()).server_side
