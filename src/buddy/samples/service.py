"""Samples gallery queries and catalog import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from buddy.errors import NotFoundError
from buddy.observability import annotate_listing
from buddy.samples.gallery import SampleGallery
from buddy.samples.schemas import SampleOut, SamplesPage
from buddy.storage.base import Storage
from buddy.storage.records import PageRequest, Sample, UpsertCounts

MAX_TAG_FILTERS = 20


@dataclass(frozen=True)
class ImportReport:
    counts: UpsertCounts
    removed: int


async def import_samples(
    storage: Storage, samples: Sequence[Sample], prune: bool = False
) -> ImportReport:
    """Upsert by id; with `prune`, remove samples whose ids are not in `samples`."""
    counts = await storage.samples.upsert_samples(samples)
    removed = await storage.samples.delete_samples_except([s.id for s in samples]) if prune else 0
    return ImportReport(counts, removed)


def parse_tags(raw: str | None) -> list[str]:
    return [tag.strip() for tag in (raw or "").split(",") if tag.strip()][:MAX_TAG_FILTERS]


async def list_samples(
    gallery: SampleGallery, paging: PageRequest, search: str | None, tags: Sequence[str]
) -> SamplesPage:
    found = await gallery.page(paging, search, tags)
    annotate_listing(search, found)
    samples = [SampleOut.from_record(sample) for sample in found.items]
    return SamplesPage(samples=samples, **found.paging_fields())


async def get_sample(gallery: SampleGallery, sample_id: str) -> SampleOut:
    sample = await gallery.get(sample_id)
    if sample is None:
        raise NotFoundError(f"No sample has the id '{sample_id[:100]}'.")
    return SampleOut.from_record(sample)


async def sample_tags(gallery: SampleGallery) -> list[str]:
    return await gallery.tags()
