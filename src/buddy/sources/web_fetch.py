"""One polite GET of a web knowledge source's page or sitemap, answered as a small value the
listing code turns into events: the body, not-modified, gone, or why it failed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from buddy.sources.web_polite import HostGate

_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


@dataclass(frozen=True)
class Answer:
    """What one GET came to; `kind` is body, not_modified, gone, not_html or failed."""

    kind: str
    url: str
    status: int = 0
    body: bytes = b""
    encoding: str = "utf-8"
    etag: str | None = None
    last_modified: str | None = None
    reason: str = ""

    @property
    def text(self) -> str:
        try:
            return self.body.decode(self.encoding, "replace")
        except LookupError:  # a charset Python does not know: UTF-8 is the likeliest truth
            return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Request:
    url: str
    user_agent: str
    timeout_s: float
    max_bytes: int
    html_only: bool = True
    etag: str | None = None
    last_modified: str | None = None


def _headers(request: Request) -> dict[str, str]:
    headers = {"User-Agent": request.user_agent}
    if request.html_only:
        headers["Accept"] = _ACCEPT_HTML
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    return headers


def _failed(request: Request, reason: str, status: int = 0) -> Answer:
    return Answer("failed", request.url, status=status, reason=reason)


def _without_body(response: httpx.Response, request: Request) -> Answer | None:
    """The answer when the status alone decides it, else None."""
    url, status = str(response.url), response.status_code
    if status == 304:
        return Answer(
            "not_modified", url, status=status, etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )  # fmt: skip
    if status in {404, 410}:
        return Answer("gone", url, status=status)
    if not 200 <= status < 300:
        return _failed(request, f"HTTP {status}", status)
    return None


async def _read(response: httpx.Response, request: Request) -> Answer:
    decided = _without_body(response, request)
    if decided is not None:
        return decided
    url, status = str(response.url), response.status_code
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.html_only and media_type and media_type not in _HTML_TYPES:
        return Answer("not_html", url, status=status, reason=f"not HTML ({media_type})")
    too_large = f"larger than {request.max_bytes} bytes"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > request.max_bytes:
        return _failed(request, too_large, status)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > request.max_bytes:
            return _failed(request, too_large, status)
    return Answer(
        "body", url, status=status, body=bytes(body),
        encoding=response.charset_encoding or "utf-8", etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )  # fmt: skip


async def polite_get(client: httpx.AsyncClient, gate: HostGate, request: Request) -> Answer:
    """GET `request.url` within the host's limits; never raises for the network's failures."""
    try:
        # The deadline starts once the host gives us a turn, and covers the whole body: a
        # server trickling bytes would pass httpx's per-read timeout forever.
        async with (
            gate.turn(request.url),
            asyncio.timeout(request.timeout_s),
            client.stream(
                "GET", request.url, headers=_headers(request), follow_redirects=True,
                timeout=request.timeout_s,
            ) as response,
        ):  # fmt: skip
            return await _read(response, request)
    except (TimeoutError, httpx.TimeoutException):
        return _failed(request, f"timed out after {request.timeout_s:g} s")
    except httpx.TooManyRedirects:
        return _failed(request, "too many redirects")
    except httpx.HTTPError as exc:
        return _failed(request, f"request failed ({type(exc).__name__})")
