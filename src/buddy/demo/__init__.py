"""Bundled demo content, written by us, loaded into an empty store on first start."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

import structlog

from buddy.news.ingest import ingest_document
from buddy.samples.catalog import parse_catalog
from buddy.samples.service import import_samples
from buddy.storage.base import Storage

log = structlog.get_logger(__name__)

MARKER = "demo-content-loaded"
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
