from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from buddy.deps import GalleryDep, PagingDep, SearchDep
from buddy.errors import error_responses
from buddy.routing import CheckedRoute
from buddy.samples import service
from buddy.samples.schemas import SampleOut, SamplesPage, SampleTags

router = APIRouter(prefix="/api/samples", tags=["samples"], route_class=CheckedRoute)


@router.get("", summary="Samples gallery", responses=error_responses(422, 429, 503))
async def list_samples(
    gallery: GalleryDep,
    paging: PagingDep,
    search: SearchDep = None,
    tags: Annotated[
        str | None,
        Query(
            max_length=1000, description="Comma-separated labels or slugs; every tag must match."
        ),
    ] = None,
) -> SamplesPage:
    return await service.list_samples(gallery, paging, search, service.parse_tags(tags))


@router.get("/tags", summary="Sorted unique tags", responses=error_responses(429, 503))
async def sample_tags(gallery: GalleryDep) -> SampleTags:
    return SampleTags(tags=await service.sample_tags(gallery))


@router.get("/{sample_id}", summary="One sample", responses=error_responses(404, 422, 429, 503))
async def get_sample(
    gallery: GalleryDep, sample_id: Annotated[str, Path(max_length=200)]
) -> SampleOut:
    return await service.get_sample(gallery, sample_id)
