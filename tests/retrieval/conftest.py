"""The shared Semantic Kernel docs corpus, ingested once per test session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.retrieval.ingest import DocsReport, ingest_docs
from buddy.retrieval.search import KnowledgeBase
from buddy.retrieval.sources import resolve_source
from buddy.storage.base import Storage
from buddy.storage.factory import create_storage

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "semantic-kernel-docs"
EMBEDDER = LocalEmbedder()


@dataclass(frozen=True)
class IngestedCorpus:
    settings: Settings
    first: DocsReport
    second: DocsReport


async def _ingest(settings: Settings) -> tuple[DocsReport, DocsReport]:
    storage = create_storage(settings)
    await storage.open()
    try:
        source = resolve_source(str(CORPUS), settings.data_dir / "cache")
        first = await ingest_docs(storage, EMBEDDER, source)
        second = await ingest_docs(storage, EMBEDDER, source)
    finally:
        await storage.close()
    return first, second


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> IngestedCorpus:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared docs corpus is not at {CORPUS}; corpus tests need it")
    data_dir = tmp_path_factory.mktemp("corpus") / "data"
    settings = Settings(_env_file=None, data_dir=data_dir, demo_content=False)
    first, second = asyncio.run(_ingest(settings))
    return IngestedCorpus(settings, first, second)


@pytest.fixture
async def corpus_store(corpus: IngestedCorpus) -> AsyncIterator[Storage]:
    storage = create_storage(corpus.settings)
    await storage.open()
    try:
        yield storage
    finally:
        await storage.close()


@pytest.fixture
def corpus_kb(corpus_store: Storage) -> KnowledgeBase:
    return KnowledgeBase(corpus_store, EMBEDDER)
