"""Annotated dependency aliases, so endpoints read like their intent.

The providers are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool,
which costs a thread hop per dependency per request.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request

from buddy.auth.service import owner_of, require_admin_key, require_magic_key
from buddy.config import Settings
from buddy.errors import LimitExceededError
from buddy.feedback.outbox import FeedbackOutbox
from buddy.nuget.service import NuGetService
from buddy.retrieval.search import KnowledgeBase
from buddy.samples.gallery import SampleGallery
from buddy.services import Services
from buddy.storage.base import Storage
from buddy.storage.records import PageRequest

# Beyond this, OFFSET arithmetic stops meaning anything; no real client pages that far.
MAX_PAGE = 100_000
MAX_SEARCH_CHARS = 200


async def get_services(request: Request) -> Services:
    """The services graph the app's lifespan opened: the one place that reads app state."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _part(name: str) -> Any:
    """A dependency on one member of the services graph, by its field name (checked here, at
    import, so a misspelt name fails every start rather than one request)."""
    if name not in {field.name for field in dataclasses.fields(Services)}:
        msg = f"Services has no member {name!r}"
        raise ValueError(msg)

    async def part(services: ServicesDep) -> Any:
        return getattr(services, name)

    part.__name__ = f"get_{name}"
    return Depends(part)


async def get_paging(
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number.")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=1000, description="Items per page (at most BUDDY_MAX_PAGE_SIZE).")
    ] = 20,
) -> PageRequest:
    limit = services.settings.max_page_size
    if page_size > limit:
        msg = f"page_size {page_size} is over the limit of {limit} (BUDDY_MAX_PAGE_SIZE)."
        raise LimitExceededError(msg)
    return PageRequest(page, page_size)


async def limit_api(request: Request, services: ServicesDep) -> None:
    """The shared rate limit of every route but chat (which counts its own)."""
    limiter = services.limiter
    await limiter.check(limiter.api, "api", client_address(request))


async def require_admin(
    services: ServicesDep,
    x_magic_key: Annotated[str | None, Header(max_length=200)] = None,
    authorization: Annotated[str | None, Header(max_length=210)] = None,
) -> None:
    """Insights and metrics: an admin key in production, as `X-Magic-Key` or as the bearer
    token a Prometheus scrape config sends (`authorization: {credentials: ...}`)."""
    bearer = authorization.removeprefix("Bearer ").strip() if authorization else None
    await require_admin_key(services.storage, services.settings, x_magic_key or bearer)


async def get_owner(
    services: ServicesDep,
    x_magic_key: Annotated[str | None, Header(max_length=200)] = None,
    x_owner_token: Annotated[str | None, Header(max_length=200)] = None,
) -> str:
    """Whose conversations a request reaches: its magic key's in production, its owner
    token's in development."""
    key = await require_magic_key(services.storage, services.settings, x_magic_key)
    return owner_of(key, x_owner_token)


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


SettingsDep = Annotated[Settings, _part("settings")]
StorageDep = Annotated[Storage, _part("storage")]
KnowledgeDep = Annotated[KnowledgeBase, _part("kb")]
GalleryDep = Annotated[SampleGallery, _part("gallery")]
OutboxDep = Annotated[FeedbackOutbox, _part("outbox")]
NuGetDep = Annotated[NuGetService, _part("nuget")]
PagingDep = Annotated[PageRequest, Depends(get_paging)]
SearchDep = Annotated[str | None, Depends(get_search)]
OwnerDep = Annotated[str, Depends(get_owner)]
