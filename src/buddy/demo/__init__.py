"""Bundled demo content, written by us, loaded into an empty store on first start."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import structlog

from buddy.demo.vectors import PrecomputedEmbedder, shipped_vectors
from buddy.news.ingest import ingest_document
from buddy.retrieval.embedders.base import Embedder
from buddy.retrieval.ingest import ingest_docs
from buddy.retrieval.sources import resolve_source
from buddy.samples.catalog import parse_catalog
from buddy.samples.service import import_samples
from buddy.storage.base import Storage

log = structlog.get_logger(__name__)

MARKER = "demo-content-loaded"
KNOWLEDGE_MARKER = "demo-knowledge-loaded"
DEMO_FEED_URL = "bundled:buddy/demo/news.xml"


@dataclass(frozen=True)
class DemoReport:
    loaded: bool
    samples: int = 0
    news: int = 0


async def load_demo_content(storage: Storage) -> DemoReport:
    """Load the demo samples and news once, and only into a store that has neither."""
    if await storage.state.get_state(MARKER) is not None:
        return DemoReport(loaded=False)
    if await storage.news.count_news() or await storage.samples.samples_version():
        # The operator already has content of their own: leave it alone for good.
        await storage.state.set_state(MARKER, "skipped: store not empty")
        return DemoReport(loaded=False)
    folder = files("buddy.demo")
    samples = parse_catalog(folder.joinpath("samples.json").read_text("utf-8"), "samples.json")
    await import_samples(storage, samples)
    # Through the same parser as any fetched feed, so the demo proves the real path.
    report = await ingest_document(storage, folder.joinpath("news.xml").read_bytes(), DEMO_FEED_URL)
    await storage.state.set_state(MARKER, "loaded")
    log.info("demo_content_loaded", samples=len(samples), news=report.counts.new)
    return DemoReport(loaded=True, samples=len(samples), news=report.counts.new)


async def load_demo_knowledge(
    storage: Storage, embedder: Embedder, cache: Path, *, precomputed: bool = True
) -> int:
    """Ingest the bundled articles once, into a knowledge base that is still empty, with the
    shipped vectors when they were made by this embedder."""
    if await storage.state.get_state(KNOWLEDGE_MARKER) is not None:
        return 0
    if await storage.chunks.count_chunks():
        await storage.state.set_state(KNOWLEDGE_MARKER, "skipped: knowledge base not empty")
        return 0
    folder = Path(str(files("buddy.demo").joinpath("knowledge")))
    source = await asyncio.to_thread(resolve_source, str(folder), cache)
    if precomputed:
        embedder = PrecomputedEmbedder(embedder, shipped_vectors(embedder.name))
    report = await ingest_docs(storage, embedder, source)
    await storage.state.set_state(KNOWLEDGE_MARKER, "loaded")
    log.info("demo_knowledge_loaded", pages=report.new, chunks=report.chunks)
    return report.new
