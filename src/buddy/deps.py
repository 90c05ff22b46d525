"""Annotated dependency aliases, so endpoints read like their intent.

The providers are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool,
which costs a thread hop per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Query, Request

from buddy.config import Settings
from buddy.errors import LimitExceededError
from buddy.feedback.outbox import FeedbackOutbox
from buddy.nuget.service import NuGetService
from buddy.ratelimit import RateLimiter
from buddy.retrieval.search import KnowledgeBase
from buddy.samples.gallery import SampleGallery
from buddy.storage.base import Storage
from buddy.storage.records import PageRequest

# Beyond this, OFFSET arithmetic stops meaning anything; no real client pages that far.
MAX_PAGE = 100_000
MAX_SEARCH_CHARS = 200


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


async def get_http(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.http
    return client


async def get_gallery(request: Request) -> SampleGallery:
    gallery: SampleGallery = request.app.state.gallery
    return gallery


async def get_outbox(request: Request) -> FeedbackOutbox:
    outbox: FeedbackOutbox = request.app.state.outbox
    return outbox


async def get_knowledge(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase = request.app.state.kb
    return kb


async def get_nuget(request: Request) -> NuGetService:
    nuget: NuGetService = request.app.state.nuget
    return nuget


async def get_paging(
    request: Request,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number.")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=1000, description="Items per page (at most BUDDY_MAX_PAGE_SIZE).")
    ] = 20,
) -> PageRequest:
    limit = request.app.state.settings.max_page_size
    if page_size > limit:
        msg = f"page_size {page_size} is over the limit of {limit} (BUDDY_MAX_PAGE_SIZE)."
        raise LimitExceededError(msg)
    return PageRequest(page, page_size)


async def limit_api(request: Request) -> None:
    """The shared rate limit of every route but chat (which counts its own)."""
    limiter: RateLimiter = request.app.state.limiter
    await limiter.check(limiter.api, "api", client_address(request))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_search(
    search: Annotated[
        str | None,
        Query(max_length=MAX_SEARCH_CHARS, description="Literal text, case-insensitive."),
    ] = None,
) -> str | None:
    text = (search or "").strip()
    return text or None


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
GalleryDep = Annotated[SampleGallery, Depends(get_gallery)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]
OutboxDep = Annotated[FeedbackOutbox, Depends(get_outbox)]
NuGetDep = Annotated[NuGetService, Depends(get_nuget)]
PagingDep = Annotated[PageRequest, Depends(get_paging)]
SearchDep = Annotated[str | None, Depends(get_search)]
