"""HTTP to a NuGet v3 source: discovery from the service index, per-request deadlines, one
retry with backoff, search endpoints tried in order, and a short memory of failed endpoints."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, urlencode

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from buddy import __version__
from buddy.errors import ServiceUnavailableError
from buddy.nuget.protocol import (
    RegistrationIndex,
    RegistrationPage,
    SearchResponse,
    ServiceIndex,
)

log = structlog.get_logger(__name__)

USER_AGENT = f"csharp-ai-buddy/{__version__} (+nuget client)"
MAX_JSON_BYTES = 16 * 1024 * 1024  # the largest inlined registration index is a few MB
MAX_README_BYTES = 256 * 1024
INDEX_TTL_SECONDS = 3600.0
PAGE_FETCHES = 6  # registration pages fetched at once
DOWN_SECONDS = 60.0  # a failed search endpoint goes to the back of the line this long
# nuget.org's gzip + SemVer 2.0.0 hive first; older hives only for servers without it.
_REGISTRATION_TYPES = (
    "RegistrationsBaseUrl/3.6.0",
    "RegistrationsBaseUrl/Versioned",
    "RegistrationsBaseUrl/3.4.0",
    "RegistrationsBaseUrl",
)
Model = TypeVar("Model", bound=BaseModel)


class NuGetUnavailableError(ServiceUnavailableError):
    code = "nuget_unavailable"


class _Failure(Exception):
    """One request failed; `retryable` says whether trying again could help."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason, self.retryable = reason, retryable


@dataclass(frozen=True)
class Endpoints:
    """What the service index told us, as absolute base URLs."""

    search: tuple[str, ...]
    registrations: str  # ends with "/"
    flat_container: str  # ends with "/"
    readme_template: str | None  # with {lower_id} and {lower_version}, when the source has one

    def readme_url(self, package_id: str, version: str) -> str:
        lower_id, lower_version = package_id.lower(), version.lower()
        if self.readme_template:
            return self.readme_template.replace("{lower_id}", quote(lower_id)).replace(
                "{lower_version}", quote(lower_version)
            )
        return f"{self.flat_container}{quote(lower_id)}/{quote(lower_version)}/readme"

    def nuspec_url(self, package_id: str, version: str) -> str:
        lower_id = quote(package_id.lower())
        return f"{self.flat_container}{lower_id}/{quote(version.lower())}/{lower_id}.nuspec"

    def registration_url(self, package_id: str) -> str:
        return f"{self.registrations}{quote(package_id.lower())}/index.json"


def endpoints_from(index: ServiceIndex) -> Endpoints:
    """Pick the resources we use; every SearchQueryService entry counts, in the index's order."""
    by_type: dict[str, list[str]] = {}
    for resource in index.resources:
        by_type.setdefault(resource.type, []).append(resource.url)
    search = [r.url for r in index.resources if r.type.startswith("SearchQueryService")]
    registrations = next((by_type[t][0] for t in _REGISTRATION_TYPES if t in by_type), None)
    flat = by_type.get("PackageBaseAddress/3.0.0", [None])[0]
    if not search or registrations is None or flat is None:
        missing = [
            name
            for name, present in (
                ("SearchQueryService", search),
                ("RegistrationsBaseUrl", registrations),
                ("PackageBaseAddress", flat),
            )
            if not present
        ]
        raise NuGetUnavailableError(
            "The NuGet service index lacks "
            + ", ".join(missing)
            + "; check BUDDY_NUGET_SERVICE_INDEX."
        )
    readme = by_type.get("ReadmeUriTemplate/6.13.0", [None])[0]
    return Endpoints(
        search=tuple(dict.fromkeys(search)),
        registrations=registrations.rstrip("/") + "/",
        flat_container=flat.rstrip("/") + "/",
        readme_template=readme,
    )


class NuGetFeed:
    """Reads one NuGet v3 source through the app's shared HTTP client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        service_index: str,
        timeout_seconds: float,
        backoff_seconds: float = 0.25,
    ) -> None:
        self._http = http
        self._index_url = service_index
        self._timeout = timeout_seconds
        self._backoff = backoff_seconds
        self._endpoints: Endpoints | None = None
        self._endpoints_until = 0.0
        self._down_until: dict[str, float] = {}

    async def endpoints(self) -> Endpoints:
        """The source's resources, read from the service index at most once an hour."""
        now = time.monotonic()
        if self._endpoints is None or now >= self._endpoints_until:
            index = await self._json(self._index_url, ServiceIndex, "the NuGet service index")
            if index is None:
                raise NuGetUnavailableError("The NuGet service index was not found (HTTP 404).")
            self._endpoints = endpoints_from(index)
            self._endpoints_until = now + INDEX_TTL_SECONDS
        return self._endpoints

    async def search(
        self, query: str, skip: int, take: int, prerelease: bool, package_type: str | None
    ) -> SearchResponse:
        """Ask each search endpoint in turn (healthy ones first); after a full round of
        retryable failures, one more round follows a backoff."""
        params = {"q": query, "skip": skip, "take": take, "prerelease": str(prerelease).lower()}
        params["semVerLevel"] = "2.0.0"
        if package_type:
            params["packageType"] = package_type
        reasons: list[str] = []
        for round_number in range(2):
            retryable = False
            for base in self._search_order((await self.endpoints()).search):
                url = f"{base}?{urlencode(params)}"
                try:
                    body = await self._get_once(url, MAX_JSON_BYTES)
                    if body is None:
                        raise _Failure("HTTP 404", retryable=False)
                    return _parse(body, SearchResponse)
                except _Failure as failure:
                    self._down_until[base] = time.monotonic() + DOWN_SECONDS
                    log.warning("nuget_search_endpoint_failed", url=base, reason=failure.reason)
                    reasons.append(failure.reason)
                    retryable = retryable or failure.retryable
            if round_number == 0 and retryable:
                await asyncio.sleep(self._backoff)
            else:
                break
        raise NuGetUnavailableError(
            f"NuGet search is unavailable: every search endpoint failed ({reasons[-1]})."
        )

    async def registration(self, package_id: str) -> RegistrationIndex | None:
        """The registration index with every page's leaves (paged ones fetched), or None."""
        endpoints = await self.endpoints()
        url = endpoints.registration_url(package_id)
        index = await self._json(url, RegistrationIndex, f"the registration of {package_id}")
        if index is None:
            return None
        missing = [page for page in index.items if page.items is None]
        if missing:
            # nuget.org pages by 64 versions, so a long-lived package has dozens of pages.
            gate = asyncio.Semaphore(PAGE_FETCHES)

            async def fetch(url: str) -> RegistrationPage:
                async with gate:
                    return await self._page(url, package_id)

            pages = await asyncio.gather(*(fetch(page.url) for page in missing))
            by_url = {page.url: page for page in pages}
            index.items = [by_url.get(page.url, page) for page in index.items]
        return index

    @property
    def index_url(self) -> str:
        return self._index_url

    async def text(self, url: str) -> tuple[str, bool] | None:
        """A text document (README) and whether it was cut at MAX_README_BYTES; None when the
        source has none."""
        body = await self._get(url, MAX_README_BYTES, what="a package README", truncate=True)
        if body is None:
            return None
        return body.decode("utf-8", errors="replace"), len(body) >= MAX_README_BYTES

    async def raw(self, url: str, what: str) -> bytes | None:
        return await self._get(url, MAX_JSON_BYTES, what=what)

    async def _page(self, url: str, package_id: str) -> RegistrationPage:
        page = await self._json(url, RegistrationPage, f"a registration page of {package_id}")
        if page is None or page.items is None:
            raise NuGetUnavailableError(f"A registration page of {package_id} is missing.")
        return page

    def _search_order(self, search: tuple[str, ...]) -> list[str]:
        now = time.monotonic()
        # Stable sort: the index's order stands among endpoints in the same health.
        return sorted(search, key=lambda base: self._down_until.get(base, 0.0) > now)

    async def _json(self, url: str, model: type[Model], what: str) -> Model | None:
        body = await self._get(url, MAX_JSON_BYTES, what=what)
        if body is None:
            return None
        try:
            return _parse(body, model)
        except _Failure as failure:
            raise NuGetUnavailableError(
                f"NuGet sent {what} in a shape we cannot read."
            ) from failure

    async def _get(
        self, url: str, limit: int, *, what: str, truncate: bool = False
    ) -> bytes | None:
        """GET with one retry after a backoff on 5xx, timeouts and connection errors."""
        for attempt in range(2):
            try:
                return await self._get_once(url, limit, truncate=truncate)
            except _Failure as failure:
                log.warning("nuget_request_failed", url=url, reason=failure.reason)
                if attempt == 1 or not failure.retryable:
                    raise NuGetUnavailableError(
                        f"NuGet is unavailable: {what} could not be read ({failure.reason})."
                    ) from None
                await asyncio.sleep(self._backoff)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _get_once(self, url: str, limit: int, *, truncate: bool = False) -> bytes | None:
        """One GET under a whole-request deadline; None on 404."""
        headers = {"User-Agent": USER_AGENT}
        try:
            async with asyncio.timeout(self._timeout):
                return await self._read(url, headers, limit, truncate)
        except (TimeoutError, httpx.TimeoutException):
            raise _Failure(f"no answer within {self._timeout:g} s", retryable=True) from None
        except httpx.HTTPError as exc:
            raise _Failure(f"connection failed: {type(exc).__name__}", retryable=True) from None

    async def _read(
        self, url: str, headers: dict[str, str], limit: int, truncate: bool
    ) -> bytes | None:
        request = self._http.stream(
            "GET", url, headers=headers, timeout=self._timeout, follow_redirects=True
        )
        async with request as response:
            if response.status_code == 404:
                return None
            if response.status_code >= 500:
                raise _Failure(f"HTTP {response.status_code}", retryable=True)
            if response.status_code >= 400:
                raise _Failure(f"HTTP {response.status_code}", retryable=False)
            body = bytearray()
            async for part in response.aiter_bytes():
                body.extend(part)
                if len(body) > limit:
                    if truncate:
                        return bytes(body[:limit])
                    raise _Failure(f"larger than {limit} bytes", retryable=False)
            return bytes(body)


def _parse(body: bytes, model: type[Model]) -> Model:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _Failure(
            f"unreadable response ({exc.error_count()} problems)", retryable=False
        ) from None
