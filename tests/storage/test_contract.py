"""The storage contract: every backend must pass every test here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from buddy.storage.base import Storage
from buddy.storage.records import (
    AnswerDigest,
    AnswerRecord,
    Chunk,
    DocPage,
    Feedback,
    IndexInfo,
    MagicKey,
    NewsItem,
    PageRequest,
    Sample,
    TelemetryEvent,
    UpsertCounts,
)
from tests.fixtures.stored_rows import event_count, page_chunks
from tests.storage.conftest import BackendFactory

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def page(key: str, digest: str = "h1") -> DocPage:
    return DocPage(key, f"Title {key}", f"https://learn.example/{key}", f"{key}.md", digest, T0)


def chunk(page_key: str, ordinal: int, content: str, **extra: object) -> Chunk:
    fields: dict[str, object] = {
        "id": f"{page_key}#{ordinal}",
        "page_key": page_key,
        "ordinal": ordinal,
        "title": f"Title {page_key}",
        "heading": f"Heading {ordinal}",
        "content": content,
        "url": f"https://learn.example/{page_key}",
        "source_path": f"{page_key}.md",
        "vector": (0.5, -0.25, 1.0),
        "updated": T0,
    }
    fields.update(extra)
    return Chunk(**fields)  # type: ignore[arg-type]


def news(item_id: str, days: int, **extra: object) -> NewsItem:
    fields: dict[str, object] = {
        "id": item_id,
        "title": f"News {item_id}",
        "url": f"https://news.example/{item_id}",
        "summary": f"Summary of {item_id}",
        "source": ".NET Blog",
        "author": "Ada",
        "published": T0 + timedelta(days=days),
    }
    fields.update(extra)
    return NewsItem(**fields)  # type: ignore[arg-type]


def sample(sample_id: str, title: str, tags: tuple[str, ...], **extra: object) -> Sample:
    fields: dict[str, object] = {
        "id": sample_id,
        "title": title,
        "description": f"About {title}",
        "preview": "preview",
        "author": "Microsoft",
        "author_url": "https://github.com/microsoft",
        "source": f"https://github.com/example/{sample_id}",
        "tags": tags,
    }
    fields.update(extra)
    return Sample(**fields)  # type: ignore[arg-type]


# --- chunks ---


async def test_replace_page_swaps_chunks_atomically(storage: Storage) -> None:
    await storage.chunks.replace_page(page("a"), [chunk("a", 0, "old one"), chunk("a", 1, "old")])
    await storage.chunks.replace_page(page("a", "h2"), [chunk("a", 0, "brand new text")])
    chunks = await page_chunks(storage, "a")
    assert [c.content for c in chunks] == ["brand new text"]
    assert await storage.chunks.page_hashes() == {"a": "h2"}
    assert await storage.chunks.count_chunks() == 1


async def test_chunk_round_trip_keeps_every_field(storage: Storage) -> None:
    original = chunk("p", 0, "text", tags=("semantic-kernel", "net9"), language="python")
    await storage.chunks.replace_page(page("p"), [original])
    [stored] = await storage.chunks.get_chunks(["p#0"])
    assert stored == original


async def test_get_chunks_keeps_order_and_skips_unknown(storage: Storage) -> None:
    await storage.chunks.replace_page(page("p"), [chunk("p", i, f"c{i}") for i in range(3)])
    found = await storage.chunks.get_chunks(["p#2", "missing", "p#0"])
    assert [c.id for c in found] == ["p#2", "p#0"]


async def test_chunks_of_pages_reads_each_page_in_order_without_vectors(storage: Storage) -> None:
    await storage.chunks.replace_page(page("a"), [chunk("a", i, f"a{i}") for i in (2, 0, 1)])
    await storage.chunks.replace_page(page("b"), [chunk("b", 0, "b0")])
    await storage.chunks.replace_page(page("c"), [chunk("c", 0, "c0")])
    found = await storage.chunks.chunks_of_pages(["b", "a", "missing", "a"])
    assert {key: [c.content for c in chunks] for key, chunks in found.items()} == {
        "a": ["a0", "a1", "a2"],
        "b": ["b0"],
    }
    assert all(c.vector == () for chunks in found.values() for c in chunks)
    assert await storage.chunks.chunks_of_pages([]) == {}


async def test_duplicate_ids_in_one_upsert_count_like_two_upserts(storage: Storage) -> None:
    counts = await storage.news.upsert_news([news("a", 1), news("a", 1), news("a", 2)])
    assert counts == UpsertCounts(new=1, unchanged=1, updated=1)
    [item] = (await storage.news.list_news(PageRequest(1, 5))).items
    assert item.published == T0 + timedelta(days=2)


async def test_keyword_search_finds_identifiers_and_ranks_title(storage: Storage) -> None:
    await storage.chunks.replace_page(
        page("chat"), [chunk("chat", 0, "Create an IChatClient and call GetResponseAsync.")]
    )
    await storage.chunks.replace_page(
        page("embed"), [chunk("embed", 0, "Embeddings with IEmbeddingGenerator.")]
    )
    hits = await storage.chunks.keyword_search("IChatClient", limit=5)
    assert [hit.chunk.page_key for hit in hits] == ["chat"]
    assert hits[0].score > 0


async def test_keyword_search_treats_syntax_as_text(storage: Storage) -> None:
    await storage.chunks.replace_page(page("a"), [chunk("a", 0, "NEAR AND OR quoted text")])
    for query in ['"unbalanced', "NEAR(", "a* OR", "-", "(((", "c# .net"]:
        await storage.chunks.keyword_search(query, limit=5)
    assert await storage.chunks.keyword_search("   ", limit=5) == []


async def test_keyword_search_filters_by_all_tags(storage: Storage) -> None:
    await storage.chunks.replace_page(
        page("a"), [chunk("a", 0, "agents everywhere", tags=("agent-framework", "net9"))]
    )
    await storage.chunks.replace_page(
        page("b"), [chunk("b", 0, "agents elsewhere", tags=("semantic-kernel", "net9"))]
    )
    hits = await storage.chunks.keyword_search("agents", 5, tags=["net9", "agent-framework"])
    assert [hit.chunk.page_key for hit in hits] == ["a"]


async def test_delete_pages_and_vectors(storage: Storage) -> None:
    await storage.chunks.replace_page(page("a"), [chunk("a", 0, "x")])
    await storage.chunks.replace_page(page("b"), [chunk("b", 0, "y")])
    assert await storage.chunks.delete_pages(["a", "nope"]) == 1
    table = await storage.chunks.vector_table(3)
    assert table.ids == ["b#0"]
    assert table.matrix.tolist() == [[0.5, -0.25, 1.0]]
    assert await storage.chunks.keyword_search("x", 5) == []


async def test_vector_table_reuse_by_hash_and_version(storage: Storage) -> None:
    start = await storage.chunks.chunks_version()
    await storage.chunks.replace_page(
        page("a"),
        [
            chunk("a", 0, "x", text_hash="t0", tags=("ollama",), language="python"),
            chunk("a", 1, "y", text_hash="t1", vector=(1.0, 0.0, 0.0)),
        ],
    )
    assert await storage.chunks.chunks_version() > start
    table = await storage.chunks.vector_table(3)
    assert table.page_keys == ["a", "a"]
    assert table.languages == ["python", "csharp"]
    assert table.tags == [("ollama",), ()]
    assert table.matrix.dtype.name == "float32"
    assert table.matrix[1].tolist() == [1.0, 0.0, 0.0]
    reused = await storage.chunks.vectors_by_text_hash(["t1", "missing"])
    assert reused == {"t1": (1.0, 0.0, 0.0)}


async def test_keyword_search_matches_identifier_parts(storage: Storage) -> None:
    await storage.chunks.replace_page(
        page("a"), [chunk("a", 0, "Register an IChatClient with Kernel.CreateBuilder().")]
    )
    await storage.chunks.replace_page(page("b"), [chunk("b", 0, "Nothing relevant here.")])
    for query in ("chat client", "IChatClient", "create builder", "Kernel.CreateBuilder"):
        hits = await storage.chunks.keyword_search(query, limit=5)
        assert [hit.chunk.page_key for hit in hits] == ["a"], query


async def test_index_info_round_trip(storage: Storage) -> None:
    assert await storage.chunks.index_info() is None
    await storage.chunks.set_index_info(IndexInfo("minilm", 384))
    await storage.chunks.set_index_info(IndexInfo("text-embedding-3-small", 1536))
    assert await storage.chunks.index_info() == IndexInfo("text-embedding-3-small", 1536)


# --- news ---


async def test_news_upsert_counts_and_updates_in_place(storage: Storage) -> None:
    first = await storage.news.upsert_news([news("a", 1), news("b", 2)])
    again = await storage.news.upsert_news([news("a", 1), news("b", 2, title="Edited")])
    assert first == UpsertCounts(new=2)
    assert again == UpsertCounts(updated=1, unchanged=1)
    assert await storage.news.count_news() == 2
    listed = await storage.news.list_news(PageRequest(1, 10))
    assert [item.title for item in listed.items] == ["Edited", "News a"]


async def test_news_pages_newest_first(storage: Storage) -> None:
    await storage.news.upsert_news([news(f"n{i:02}", i) for i in range(25)])
    second = await storage.news.list_news(PageRequest(2, 10))
    assert second.total == 25
    assert second.pages == 3
    assert [item.id for item in second.items] == [f"n{i:02}" for i in range(14, 4, -1)]
    past_end = await storage.news.list_news(PageRequest(9, 10))
    assert past_end.items == []
    assert past_end.total == 25


async def test_news_search_is_literal_and_case_insensitive(storage: Storage) -> None:
    await storage.news.upsert_news(
        [
            news("a", 1, title="Ünïcode Release (preview) [1.0]"),
            news("b", 2, author="Grace .* Hopper"),
            news("c", 3, source="Back\\slash weekly"),
        ]
    )
    cases = {"ÜNÏCODE": ["a"], "(preview) [": ["a"], ".*": ["b"], "\\": ["c"], "%": [], "_": []}
    for text, expected in cases.items():
        found = await storage.news.list_news(PageRequest(1, 10), search=text)
        assert [item.id for item in found.items] == expected, text


async def test_news_keyword_search_for_the_agent(storage: Storage) -> None:
    await storage.news.upsert_news(
        [news("a", 1, title="Semantic Kernel 1.30 ships"), news("b", 2, title="ML.NET 4")]
    )
    found = await storage.news.search_news("semantic kernel", limit=5)
    assert [item.id for item in found] == ["a"]


async def test_news_keeps_timezone_and_estimate_flag(storage: Storage) -> None:
    when = datetime(2025, 5, 6, 9, 30, tzinfo=timezone_plus(2))
    await storage.news.upsert_news([news("a", 0, published=when, published_estimated=True)])
    [item] = (await storage.news.list_news(PageRequest(1, 5))).items
    assert item.published == when
    assert item.published.tzinfo is not None
    assert item.published_estimated


def timezone_plus(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


# --- samples ---


async def test_samples_upsert_get_prune_and_version(storage: Storage) -> None:
    assert await storage.samples.samples_version() == 0
    counts = await storage.samples.upsert_samples(
        [sample("b", "Chat", ("chat",)), sample("a", "RAG", ("rag", "Semantic-Kernel"))]
    )
    assert counts == UpsertCounts(new=2)
    after_insert = await storage.samples.samples_version()
    assert after_insert > 0
    assert await storage.samples.get_sample("a") == sample("a", "RAG", ("rag", "Semantic-Kernel"))
    assert await storage.samples.get_sample("zzz") is None
    again = await storage.samples.upsert_samples([sample("b", "Chat", ("chat",))])
    assert again == UpsertCounts(unchanged=1)
    assert await storage.samples.samples_version() == after_insert
    assert await storage.samples.delete_samples_except(["a"]) == 1
    assert await storage.samples.samples_version() > after_insert
    assert [s.id for s in await storage.samples.all_samples()] == ["a"]


# --- feedback, telemetry, keys ---


async def test_feedback_outbox_state(storage: Storage) -> None:
    stored = await storage.feedback.add_feedback(
        Feedback("0123456789abcdef", "thumbs_down", T0, comment="wrong package")
    )
    assert stored.id is not None
    other = await storage.feedback.add_feedback(Feedback("fedcba9876543210", "thumbs_up", T0))
    await storage.feedback.record_failure(stored.id, "phoenix down")
    await storage.feedback.mark_forwarded(stored.id, "phoenix")
    pending = await storage.feedback.pending_feedback("phoenix", 10, max_attempts=5)
    assert [item.id for item in pending] == [other.id]
    assert [item.id for item in await storage.feedback.pending_feedback("arize", 10, 5)] == [
        stored.id,
        other.id,
    ]
    # A row that failed as often as allowed is given up on (it stays stored).
    assert [item.id for item in await storage.feedback.pending_feedback("arize", 10, 1)] == [
        other.id
    ]
    assert await storage.feedback.count_pending("phoenix", max_attempts=5) == 1
    assert await storage.feedback.count_pending("arize", max_attempts=5) == 2
    assert await storage.feedback.count_pending("arize", max_attempts=1) == 1
    [again] = [item for item in await storage.feedback.list_feedback() if item.id == stored.id]
    assert again.forwarded_to == ("phoenix",)
    assert again.attempts == 1
    assert again.comment == "wrong package"


async def test_feedback_listing_filters(storage: Storage) -> None:
    await storage.feedback.add_feedback(Feedback("0123456789abcdef", "thumbs_down", T0))
    await storage.feedback.add_feedback(
        Feedback("fedcba9876543210", "thumbs_up", T0 + timedelta(days=2))
    )
    late_down = await storage.feedback.add_feedback(
        Feedback("00000000000000aa", "thumbs_down", T0 + timedelta(days=3))
    )
    assert len(await storage.feedback.list_feedback()) == 3
    assert [
        f.id for f in await storage.feedback.list_feedback(T0 + timedelta(days=1), "thumbs_down")
    ] == [late_down.id]


async def test_answers_by_span_and_retention(storage: Storage) -> None:
    first = AnswerRecord(
        "0123456789abcdef",
        "ab" * 16,
        "How do I stream?",
        "Use the streaming API.",
        T0,
        sources=("https://learn.microsoft.com/a", "https://learn.microsoft.com/b"),
        provider="offline",
    )
    await storage.answers.add_answer(first)
    await storage.answers.add_answer(
        AnswerRecord(
            "fedcba9876543210", "cd" * 16, "q", "", T0 + timedelta(days=10), error_code="model_busy"
        )
    )
    found = await storage.answers.answers_for(["0123456789abcdef", "ffffffffffffffff"])
    assert found == {"0123456789abcdef": first}
    assert await storage.answers.delete_answers_before(T0 + timedelta(days=1)) == 1
    assert await storage.answers.answers_for(["0123456789abcdef"]) == {}
    assert (await storage.answers.answers_for(["fedcba9876543210"]))[
        "fedcba9876543210"
    ].error_code == "model_busy"


async def test_answer_digests_of_a_period_oldest_first(storage: Storage) -> None:
    def answer(span: str, days: int, **extra: Any) -> AnswerRecord:
        return AnswerRecord(
            span * 16, "ab" * 16, f"question {span}", "text", T0 + timedelta(days=days), **extra
        )

    await storage.answers.add_answer(answer("c", 3, error_code="model_busy", duration_s=4.0))
    await storage.answers.add_answer(answer("a", 0, sources=("https://x",), duration_s=0.5))
    await storage.answers.add_answer(
        answer("b", 2, tools=("search_knowledge_base", "search_nuget"), duration_s=1.25)
    )
    digests = await storage.answers.answer_digests(T0 + timedelta(days=1))
    assert digests == [
        AnswerDigest(
            "question b",
            T0 + timedelta(days=2),
            False,
            "",
            ("search_knowledge_base", "search_nuget"),
            1.25,
        ),
        AnswerDigest("question c", T0 + timedelta(days=3), False, "model_busy", (), 4.0),
    ]
    [first] = (await storage.answers.answer_digests(T0))[:1]
    assert first.cited


async def test_telemetry_count_and_retention(storage: Storage) -> None:
    await storage.telemetry.add_event(TelemetryEvent("filter_used", T0, {"aiLibrary": "sk"}))
    await storage.telemetry.add_event(TelemetryEvent("sample_viewed", T0 + timedelta(days=40)))
    assert await event_count(storage) == 2
    assert await event_count(storage, "filter_used") == 1
    assert await storage.telemetry.delete_events_before(T0 + timedelta(days=1)) == 1
    assert await event_count(storage) == 1


async def test_magic_keys(storage: Storage) -> None:
    key = MagicKey("k1", "hash-1", "conference", T0, expires_at=T0 + timedelta(days=30))
    await storage.keys.add_key(key)
    assert await storage.keys.key_by_hash("hash-1") == key
    assert await storage.keys.key_by_hash("other") is None
    assert await storage.keys.set_key_enabled("k1", False)
    assert not await storage.keys.set_key_enabled("missing", False)
    await storage.keys.touch_key("k1", T0 + timedelta(hours=1))
    [listed] = await storage.keys.list_keys()
    assert not listed.enabled
    assert listed.last_used_at == T0 + timedelta(hours=1)
    assert not listed.admin
    admin = MagicKey("k2", "hash-2", "operator", T0, admin=True)
    await storage.keys.add_key(admin)
    assert await storage.keys.key_by_hash("hash-2") == admin


# --- concurrency ---


async def test_two_writers_at_once(backend: BackendFactory, tmp_path: Path) -> None:
    first, second = await backend(tmp_path), await backend(tmp_path)
    await first.open()
    await second.open()
    try:

        async def write(store: Storage, prefix: str) -> None:
            for batch in range(20):
                items = [news(f"{prefix}-{batch}-{i}", i) for i in range(10)]
                await store.news.upsert_news(items)
                await store.telemetry.add_event(TelemetryEvent("filter_used", T0))

        await asyncio.gather(
            write(first, "x"), write(second, "y"), *(write(first, f"z{n}") for n in range(4))
        )
        assert await first.news.count_news() == 6 * 200
        assert await event_count(second) == 6 * 20
    finally:
        await first.close()
        await second.close()


async def test_state_values_round_trip(storage: Storage) -> None:
    assert await storage.state.get_state("feed:https://x.example/rss") is None
    await storage.state.set_state("feed:https://x.example/rss", '{"etag": "W/1"}')
    await storage.state.set_state("feed:https://x.example/rss", '{"etag": "W/2"}')
    assert await storage.state.get_state("feed:https://x.example/rss") == '{"etag": "W/2"}'


async def test_estimated_dates_do_not_move(storage: Storage) -> None:
    first = news("a", 1, published_estimated=True)
    await storage.news.upsert_news([first])
    later = news("a", 30, published_estimated=True)  # fetched again a month later
    assert await storage.news.upsert_news([later]) == UpsertCounts(unchanged=1)
    [item] = (await storage.news.list_news(PageRequest(1, 5))).items
    assert item.published == first.published
    dated = news("a", 40)  # the feed now gives a real date: that one wins
    assert await storage.news.upsert_news([dated]) == UpsertCounts(updated=1)
