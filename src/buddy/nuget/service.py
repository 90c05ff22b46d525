"""NuGet search and package details, ranked and cached in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import httpx
import structlog
from cachetools import TTLCache
from defusedxml import DefusedXmlException

from buddy.config import Settings
from buddy.errors import NotFoundError
from buddy.nuget import MAX_TAKE, protocol
from buddy.nuget.client import Endpoints, NuGetFeed, NuGetUnavailableError
from buddy.nuget.schemas import (
    AlternatePackage,
    Dependency,
    DependencyGroup,
    Deprecation,
    License,
    PackageDetails,
    PackageSummary,
    Readme,
    SearchResults,
    Severity,
    VersionInfo,
    Vulnerability,
)
from buddy.nuget.versions import (
    NuGetVersion,
    check_package_id,
    check_version,
    parse_version,
    version_key,
)

log = structlog.get_logger(__name__)

SEARCH_TTL_SECONDS = 600.0
DETAILS_TTL_SECONDS = 3600.0
# nuget.org accounts that publish Microsoft's packages; with `verified` they mark trusted ones.
MICROSOFT_OWNERS = frozenset({"microsoft", "dotnetframework", "aspnet", "azure-sdk"})
_SEVERITY: dict[str, Severity] = {"0": "Low", "1": "Moderate", "2": "High", "3": "Critical"}


class NuGetService:
    """Search and details from one NuGet v3 source; one per app, sharing its HTTP client."""

    def __init__(self, feed: NuGetFeed, gallery_url: str, cache_entries: int) -> None:
        self.feed = feed
        self._gallery = gallery_url.rstrip("/")
        self._searches: TTLCache[Hashable, SearchResults] = TTLCache(
            maxsize=cache_entries, ttl=SEARCH_TTL_SECONDS
        )
        self._details: TTLCache[Hashable, PackageDetails] = TTLCache(
            maxsize=cache_entries, ttl=DETAILS_TTL_SECONDS
        )

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient) -> NuGetService:
        feed = NuGetFeed(http, settings.nuget_service_index, settings.nuget_timeout_seconds)
        return cls(feed, settings.nuget_gallery_url, settings.nuget_cache_entries)

    def package_url(self, package_id: str, version: str) -> str:
        return f"{self._gallery}/packages/{package_id}/{version}"

    async def search(
        self,
        query: str,
        *,
        skip: int = 0,
        take: int = 20,
        prerelease: bool = False,
        package_type: str | None = None,
    ) -> SearchResults:
        """One page of matching packages, trusted ones first among equally relevant ones."""
        query = query.strip()
        take = max(1, min(take, MAX_TAKE))
        key = ("search", query.lower(), skip, take, prerelease, (package_type or "").lower())
        cached = self._searches.get(key)
        if cached is not None:
            return cached
        response = await self.feed.search(query, skip, take, prerelease, package_type)
        hits = rank(query, response.data)
        results = SearchResults(
            query=query,
            totalHits=response.total_hits,
            skip=skip,
            take=take,
            packages=[self._summary(hit) for hit in hits],
        )
        self._searches[key] = results
        return results

    async def package(self, package_id: str, version: str | None = None) -> PackageDetails:
        """Everything about one version (default: the newest listed stable one) and the list
        of all versions. Unknown package or version: NotFoundError."""
        package_id = check_package_id(package_id)
        wanted = check_version(version) if version else None
        key = ("package", package_id.lower(), wanted.key if wanted else None)
        cached = self._details.get(key)
        if cached is not None:
            return cached
        entries = await self._entries(package_id)
        entry = _choose(entries, wanted, package_id)
        readme, license_, complete = await self._readme_and_license(entry)
        details = self._details_of(entry, entries, readme, license_)
        if complete:  # a README that failed to load is tried again next time
            self._details[key] = details
        return details

    async def _entries(self, package_id: str) -> list[protocol.CatalogEntry]:
        """Every version's catalog entry, newest first; NotFoundError when there are none."""
        registration = await self.feed.registration(package_id)
        pages = registration.items if registration is not None else []
        leaves = [leaf for page in pages for leaf in page.items or []]
        if not leaves:
            where = urlsplit(self.feed.index_url).hostname or "the NuGet source"
            raise NotFoundError(f"There is no package '{package_id}' on {where}.")
        return sorted(
            (leaf.catalog_entry for leaf in leaves),
            key=lambda entry: version_key(entry.version),
            reverse=True,
        )

    def _details_of(
        self,
        entry: protocol.CatalogEntry,
        entries: list[protocol.CatalogEntry],
        readme: Readme,
        license_: License,
    ) -> PackageDetails:
        return PackageDetails(
            id=entry.id,
            version=entry.version,
            title=entry.title or None,
            description=entry.description,
            authors=entry.authors,
            tags=entry.tags,
            projectUrl=entry.project_url or None,
            url=self.package_url(entry.id, entry.version),
            install=install_line(entry.id, entry.version),
            listed=entry.listed,
            published=entry.published,
            license=license_,
            deprecation=_deprecation(entry.deprecation),
            vulnerabilities=_vulnerabilities(entry.vulnerabilities),
            dependencyGroups=[
                DependencyGroup(
                    targetFramework=group.target_framework or None,
                    dependencies=[Dependency(id=d.id, range=d.range) for d in group.dependencies],
                )
                for group in entry.dependency_groups
            ],
            versions=[_version_info(item) for item in entries],
            readme=readme,
        )

    def _summary(self, hit: protocol.SearchHit) -> PackageSummary:
        return PackageSummary(
            id=hit.id,
            version=hit.version,
            title=hit.title or None,
            description=hit.description,
            authors=hit.authors,
            owners=hit.owners,
            totalDownloads=hit.total_downloads,
            verified=hit.verified,
            tags=hit.tags,
            projectUrl=hit.project_url or None,
            packageTypes=[kind.name for kind in hit.package_types],
            url=self.package_url(hit.id, hit.version),
            install=install_line(hit.id, hit.version),
        )

    async def _readme_and_license(
        self, entry: protocol.CatalogEntry
    ) -> tuple[Readme, License, bool]:
        """The README (flat container, else the nuspec description) and the license
        (expression, else the nuspec's license file, else the license URL). The nuspec is
        read only when one of them needs it. The flag is False when a download failed."""
        endpoints = await self.feed.endpoints()
        readme_url = endpoints.readme_url(entry.id, entry.version)
        if entry.license_expression:
            text, ok = await self._readme_text(readme_url)
            nuspec, nuspec_ok = (None, True) if text else await self._nuspec(endpoints, entry)
        else:
            (text, ok), (nuspec, nuspec_ok) = await asyncio.gather(
                self._readme_text(readme_url), self._nuspec(endpoints, entry)
            )
        if text:
            readme = Readme(source="readme", text=text[0], truncated=text[1])
        elif nuspec is not None and nuspec.description:
            readme = Readme(source="nuspec", text=nuspec.description, truncated=False)
        else:
            readme = Readme(source="none", text="", truncated=False)
        return readme, self._license(entry, nuspec), ok and nuspec_ok

    async def _readme_text(self, url: str) -> tuple[tuple[str, bool] | None, bool]:
        try:
            return await self.feed.text(url), True
        except NuGetUnavailableError as exc:
            log.warning("nuget_readme_unavailable", url=url, reason=exc.detail)
            return None, False

    async def _nuspec(
        self, endpoints: Endpoints, entry: protocol.CatalogEntry
    ) -> tuple[protocol.Nuspec | None, bool]:
        url = endpoints.nuspec_url(entry.id, entry.version)
        try:
            body = await self.feed.raw(url, f"the nuspec of {entry.id} {entry.version}")
            return (protocol.parse_nuspec(body) if body else None), True
        except NuGetUnavailableError as exc:
            log.warning("nuget_nuspec_unavailable", url=url, reason=exc.detail)
            return None, False
        except (ParseError, DefusedXmlException) as exc:
            log.warning("nuget_nuspec_unreadable", url=url, error_type=type(exc).__name__)
            return None, True

    def _license(self, entry: protocol.CatalogEntry, nuspec: protocol.Nuspec | None) -> License:
        if entry.license_expression:
            return License(kind="expression", value=entry.license_expression, url=entry.license_url)
        if nuspec is not None and nuspec.license_type == "file" and nuspec.license:
            # nuget.org shows a packed license file at the package page's /license.
            page = f"{self.package_url(entry.id, entry.version)}/license"
            return License(kind="file", value=nuspec.license, url=entry.license_url or page)
        if nuspec is not None and nuspec.license_type == "expression" and nuspec.license:
            return License(kind="expression", value=nuspec.license, url=entry.license_url)
        if entry.license_url:
            return License(kind="url", value=entry.license_url, url=entry.license_url)
        return License(kind="none", value=None, url=None)


def install_line(package_id: str, version: str) -> str:
    return f"dotnet add package {package_id} --version {version}"


def is_trusted(hit: protocol.SearchHit) -> bool:
    """Verified (reserved id prefix) or published by a Microsoft account."""
    return hit.verified or any(owner.lower() in MICROSOFT_OWNERS for owner in hit.owners)


def relevance_tier(query: str, package_id: str) -> int:
    """0 exact id, 1 the id holds every query word, 2 anything else the server matched."""
    words = query.lower().split()
    lowered = package_id.lower()
    if not words or lowered == query.lower():
        return 0
    return 1 if all(word in lowered for word in words) else 2


def rank(query: str, hits: list[protocol.SearchHit]) -> list[protocol.SearchHit]:
    """The server's order, except that trusted packages go first within a relevance tier."""
    return sorted(hits, key=lambda hit: (relevance_tier(query, hit.id), not is_trusted(hit)))


def _choose(
    entries: list[protocol.CatalogEntry], wanted: NuGetVersion | None, package_id: str
) -> protocol.CatalogEntry:
    """The wanted version, else the newest listed stable, else the newest listed, else newest."""
    if wanted is not None:
        for entry in entries:
            parsed = parse_version(entry.version)
            if parsed is not None and parsed.key == wanted.key:
                return entry
        raise NotFoundError(
            f"{package_id} has no version {wanted.text}; the newest is {entries[0].version}."
        )
    listed = [entry for entry in entries if entry.listed]
    stable = [e for e in listed if not (v := parse_version(e.version)) or not v.is_prerelease]
    return (stable or listed or entries)[0]


def _deprecation(found: protocol.Deprecation | None) -> Deprecation | None:
    if found is None:
        return None
    alternate = found.alternate_package
    return Deprecation(
        reasons=found.reasons,
        message=found.message or None,
        alternatePackage=AlternatePackage(id=alternate.id, range=alternate.range)
        if alternate
        else None,
    )


def _vulnerabilities(found: list[protocol.Vulnerability]) -> list[Vulnerability]:
    return [
        Vulnerability(
            severity=_SEVERITY.get(item.severity, "Unknown"),
            advisoryUrl=item.advisory_url,
        )
        for item in found
    ]


def _version_info(entry: protocol.CatalogEntry) -> VersionInfo:
    return VersionInfo(
        version=entry.version,
        listed=entry.listed,
        published=entry.published,
        deprecation=_deprecation(entry.deprecation),
        vulnerabilities=_vulnerabilities(entry.vulnerabilities),
    )
