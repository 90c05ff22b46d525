"""Copy one store into another through the protocols (`buddy db migrate-from-sqlite`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from buddy.storage.base import Storage
from buddy.storage.records import PageRequest

# Progress callback: (what, done, total).
Progress = Callable[[str, int, int], None]
_NEWS_PAGE = 200


async def copy_store(source: Storage, target: Storage, progress: Progress) -> dict[str, int]:
    """Copy pages with chunks and vectors, news, samples, registered knowledge sources (with
    their sync state), magic keys and feedback. Safe to
    run again: records are upserted by id, and feedback is copied only into an outbox that
    has none yet. Telemetry (short-lived) and state (feed validators) are not copied."""
    copied: dict[str, int] = {}
    info = await source.chunks.index_info()
    if info is not None:
        await target.chunks.set_index_info(info)
    pages = await source.chunks.pages()
    for done, page in enumerate(pages, start=1):
        ids = [
            chunk.id
            for chunk in (await source.chunks.chunks_of_pages([page.key])).get(page.key, [])
        ]
        await target.chunks.replace_page(page, await source.chunks.get_chunks(ids))
        progress("pages", done, len(pages))
    copied["pages"] = len(pages)

    first = await source.news.list_news(PageRequest(1, _NEWS_PAGE))
    copied["news"] = first.total
    for number in range(1, first.pages + 1):
        batch = (
            first if number == 1 else await source.news.list_news(PageRequest(number, _NEWS_PAGE))
        )
        await target.news.upsert_news(batch.items)
        progress("news", min(number * _NEWS_PAGE, first.total), first.total)

    samples = await source.samples.all_samples()
    await target.samples.upsert_samples(samples)
    progress("samples", len(samples), len(samples))
    copied["samples"] = len(samples)

    registered = await source.sources.list_sources()
    for done, each in enumerate(registered, start=1):
        await target.sources.add_source(each)  # an existing one keeps its own state
        progress("sources", done, len(registered))
    copied["sources"] = len(registered)

    keys = await source.keys.list_keys()
    for done, key in enumerate(keys, start=1):
        if await target.keys.key_by_hash(key.key_hash) is None:
            await target.keys.add_key(key)
        progress("keys", done, len(keys))
    copied["keys"] = len(keys)

    copied["feedback"] = 0
    if not await target.feedback.list_feedback():
        votes = await source.feedback.list_feedback()
        for done, vote in enumerate(votes, start=1):
            stored = await target.feedback.add_feedback(replace(vote, id=None))
            assert stored.id is not None  # noqa: S101 - add_feedback always assigns one
            for forwarded in vote.forwarded_to:
                await target.feedback.mark_forwarded(stored.id, forwarded)
            for _ in range(vote.attempts):
                await target.feedback.record_failure(stored.id, vote.last_error)
            progress("feedback", done, len(votes))
        copied["feedback"] = len(votes)
        # The answers the votes rate, so `buddy feedback export` works after the move.
        answers = await source.answers.answers_for(sorted({vote.span_id for vote in votes}))
        for answer in answers.values():
            await target.answers.add_answer(answer)
        copied["answers"] = len(answers)
    return copied
