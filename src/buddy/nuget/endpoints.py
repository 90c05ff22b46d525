from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from buddy.deps import MAX_SEARCH_CHARS, NuGetDep
from buddy.errors import error_responses
from buddy.nuget import MAX_TAKE
from buddy.nuget.schemas import PackageDetails, SearchResults
from buddy.nuget.versions import MAX_VERSION_CHARS
from buddy.routing import CheckedRoute

router = APIRouter(prefix="/api/nuget", tags=["nuget"], route_class=CheckedRoute)


@router.get(
    "/search",
    summary="Search NuGet packages (trusted packages first on ties)",
    responses=error_responses(422, 429, 503),
)
async def search_packages(
    nuget: NuGetDep,
    q: Annotated[str, Query(max_length=MAX_SEARCH_CHARS, description="Search terms.")] = "",
    skip: Annotated[int, Query(ge=0, le=3000, description="Results to skip.")] = 0,
    take: Annotated[int, Query(ge=1, le=MAX_TAKE, description="Results to return.")] = 20,
    prerelease: Annotated[bool, Query(description="Include pre-release versions.")] = False,
    package_type: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^[A-Za-z0-9_.-]+$", description="e.g. DotnetTool."),
    ] = None,
) -> SearchResults:
    return await nuget.search(
        q, skip=skip, take=take, prerelease=prerelease, package_type=package_type
    )


@router.get(
    "/packages/{package_id}",
    summary="A package's versions, license, README, risks",
    responses=error_responses(404, 422, 429, 503),
)
async def get_package(
    nuget: NuGetDep,
    package_id: Annotated[str, Path(max_length=200, description="NuGet package id.")],
    version: Annotated[
        str | None,
        Query(max_length=MAX_VERSION_CHARS, description="Default: newest listed stable."),
    ] = None,
) -> PackageDetails:
    return await nuget.package(package_id, version)
