"""The gallery's in-process view of the samples catalog.

A catalog has tens to thousands of entries and changes only on import, so filtering a
sorted in-memory copy beats a table scan per request. The store's samples version is checked
at most once per `recheck_seconds`, and the copy is reloaded when it moved, so an import by
the CLI or another worker shows up within that time.
"""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat

from buddy.storage.base import SampleStore
from buddy.storage.records import Paged, PageRequest, Sample
from buddy.taxonomy import tag_key, tag_label


@dataclass(frozen=True)
class _Snapshot:
    """Parallel tuples in title order, so filters run as C-level map/compress loops."""

    version: int
    samples: tuple[Sample, ...]
    texts: tuple[str, ...]  # case-folded title, description, author, tags and their labels
    tag_sets: tuple[frozenset[str], ...]  # tag keys: a slug and its label are one tag
    by_id: dict[str, Sample]
    tags: tuple[str, ...]


def _snapshot(version: int, samples: Sequence[Sample]) -> _Snapshot:
    ordered = tuple(sorted(samples, key=lambda s: (s.title.casefold(), s.id)))
    texts = tuple(
        "\n".join([s.title, s.description, s.author, *s.tags, *map(tag_label, s.tags)]).casefold()
        for s in ordered
    )
    tag_sets = tuple(frozenset(map(tag_key, s.tags)) for s in ordered)
    # Catalogs written by hand mix slugs and labels; people see each tag once, by its label
    # (a tag outside the taxonomy as the first sample by title spells it).
    labels: dict[str, str] = {}
    for tag in (tag for s in ordered for tag in s.tags):
        labels.setdefault(tag_key(tag), tag_label(tag))
    tags = sorted(labels.values(), key=lambda t: (t.casefold(), t))
    return _Snapshot(version, ordered, texts, tag_sets, {s.id: s for s in ordered}, tuple(tags))


class SampleGallery:
    def __init__(self, store: SampleStore, recheck_seconds: float = 1.0) -> None:
        self._store = store
        self._recheck_seconds = recheck_seconds
        self._checked_at = float("-inf")
        self._current = _snapshot(-1, [])
        self._reload = asyncio.Lock()

    async def _fresh(self) -> _Snapshot:
        now = time.monotonic()
        if now - self._checked_at < self._recheck_seconds:
            return self._current
        version = await self._store.samples_version()
        self._checked_at = now
        if version != self._current.version:
            async with self._reload:
                if version != self._current.version:
                    self._current = _snapshot(version, await self._store.all_samples())
        return self._current

    async def page(
        self, paging: PageRequest, search: str | None = None, tags: Sequence[str] = ()
    ) -> Paged[Sample]:
        """Samples by title; `search` is literal and case-insensitive, every tag (a slug or a
        label) must match."""
        snapshot = await self._fresh()
        # Each mask runs over the whole snapshot, so both must be applied together: a mask
        # applied to an already-filtered sequence would test the wrong samples.
        masks: list[Iterable[bool]] = []
        if search:
            masks.append(map(operator.contains, snapshot.texts, repeat(search.casefold())))
        if tags:
            wanted = frozenset(map(tag_key, tags))
            masks.append(map(wanted.issubset, snapshot.tag_sets))
        chosen = snapshot.samples
        if masks:
            keep = masks[0] if len(masks) == 1 else map(all, zip(*masks, strict=True))
            chosen = tuple(compress(snapshot.samples, keep))
        window = list(chosen[paging.offset : paging.offset + paging.page_size])
        return Paged(window, len(chosen), paging.page, paging.page_size)

    async def get(self, sample_id: str) -> Sample | None:
        return (await self._fresh()).by_id.get(sample_id)

    async def tags(self) -> list[str]:
        """Sorted unique tags, by their labels."""
        return list((await self._fresh()).tags)

    async def best_matches(self, query: str, limit: int = 5) -> list[Sample]:
        """Samples sharing the most words with a free-text question (the agent's tool)."""
        words = {word.casefold() for word in query.split() if len(word) > 2}
        snapshot = await self._fresh()
        scored = [
            (sum(word in text for word in words), sample)
            for sample, text in zip(snapshot.samples, snapshot.texts, strict=True)
        ]
        ranked = sorted((pair for pair in scored if pair[0]), key=lambda pair: -pair[0])
        return [sample for _, sample in ranked[:limit]]
