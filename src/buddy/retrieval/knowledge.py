"""Wiring for commands and the app: a store, an embedder and the knowledge base over them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from buddy.config import Settings
from buddy.retrieval.embedders.factory import create_embedder
from buddy.retrieval.search import KnowledgeBase
from buddy.storage.base import Storage
from buddy.storage.factory import create_storage


@dataclass(frozen=True)
class KnowledgeContext:
    storage: Storage
    kb: KnowledgeBase
    http: httpx.AsyncClient


@asynccontextmanager
async def open_knowledge(settings: Settings) -> AsyncIterator[KnowledgeContext]:
    """Open the store and build the configured embedder; close both on exit."""
    storage = create_storage(settings)
    await storage.open()
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as http:
            kb = KnowledgeBase(storage, create_embedder(settings, http))
            yield KnowledgeContext(storage, kb, http)
    finally:
        await storage.close()
