"""Pages of web knowledge sources (a sitemap, or a website crawled from a start page), read
politely and turned into Markdown documents, one event per page.

The caller treats the relatives of the events as what the source holds now: a page that is
listed (or reached) and allowed yields exactly one event; a page that robots.txt disallows,
that the include/exclude globs leave out, or that asks not to be indexed yields none.
`SourceListingError` means the listing itself could not be read, so nothing may be deleted.

Decisions:
- robots.txt is read once per host per sync. 4xx means no rules. 5xx or no answer means
  "disallow all" (RFC 9309); for the source's own host that fails the sync with
  SourceListingError, for another host its pages fail one by one (the old copies stay).
- Crawl-delay lowers the host's rate (capped at web_polite.MAX_CRAWL_DELAY_S).
- A crawl does not fetch excluded pages, so it does not discover links through them.
- A crawl skips non-HTML answers silently (they are not pages); a sitemap entry that is not
  HTML is a FetchFailed, since the site listed it as a page.
- Run the generators under `contextlib.aclosing` so that stopping early cancels the
  requests in flight at once rather than when the generator is collected.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import httpx
import structlog

from buddy.errors import BuddyError
from buddy.sources.web_fetch import Answer, Request, polite_get
from buddy.sources.web_page import base_url, content_markdown, page_document, scan_page
from buddy.sources.web_polite import HostGate, RobotsBook
from buddy.sources.web_sitemap import MAX_SITEMAP_BYTES, SitemapError, list_sitemap
from buddy.sources.web_urls import (
    canonical_url,
    crawl_link,
    crawl_prefix,
    path_selected,
    relative_key,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")


class SourceListingError(BuddyError):
    """The sitemap, the start page or the site's robots.txt cannot be read at all."""

    status_code = 502
    code = "source_unreachable"


@dataclass(frozen=True)
class Validator:
    """What we remember about a URL between syncs, to ask only for what changed."""

    etag: str | None = None
    last_modified: str | None = None  # the Last-Modified header as received
    lastmod: str | None = None  # the sitemap <lastmod> as written
    # A crawl's outgoing links of the page, so a 304 page still leads to the pages it links.
    links: tuple[str, ...] = ()

    def to_json(self) -> dict[str, str]:
        data = {
            "etag": self.etag,
            "last_modified": self.last_modified,
            "lastmod": self.lastmod,
            "links": "\n".join(self.links) or None,  # URLs hold no newline
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Validator:
        links = data.get("links") or ()
        if isinstance(links, str):
            links = links.split("\n")
        return cls(
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            lastmod=data.get("lastmod"),
            links=tuple(str(link) for link in links),
        )


@dataclass(frozen=True)
class Fetched:
    """A page that answered 200 with new content."""

    relative: str
    url: str
    markdown: str
    validator: Validator


@dataclass(frozen=True)
class NotModified:
    """The page is unchanged (same sitemap lastmod, or a 304)."""

    relative: str
    validator: Validator


@dataclass(frozen=True)
class Gone:
    """The page answered 404 or 410."""

    relative: str
    url: str
    status: int


@dataclass(frozen=True)
class FetchFailed:
    """Any other failure: keep the old copy; `reason` is one short line for people."""

    relative: str
    url: str
    reason: str


WebEvent = Fetched | NotModified | Gone | FetchFailed


@dataclass(frozen=True)
class WebRules:
    """How a web source is read; the limits bound one sync."""

    user_agent: str = (
        "CSharpAIBuddy/0.1 (knowledge-source sync; +https://github.com/csharp-ai-buddy)"
    )
    include: tuple[str, ...] = ()  # globs over the URL path; empty takes every path
    exclude: tuple[str, ...] = ()
    per_host_concurrency: int = 4
    per_host_rate: float = 4.0  # request starts per second per host, at most
    timeout_s: float = 20.0
    max_page_bytes: int = 2_000_000
    max_pages: int = 500
    max_depth: int = 5


@dataclass(frozen=True)
class _Page:
    """A page answer turned into its event, and the links a crawl may follow from it."""

    event: WebEvent | None
    links: tuple[str, ...] = ()


class _Session:
    """What one sync shares: the client, the host gate, robots.txt and the rules."""

    def __init__(self, client: httpx.AsyncClient, rules: WebRules) -> None:
        self.client = client
        self.rules = rules
        self.gate = HostGate(rules.per_host_concurrency, rules.per_host_rate)
        self.robots = RobotsBook(client, self.gate, rules.user_agent, rules.timeout_s)
        # Which of the crawl's bounds ("max_pages", "max_depth") left linked pages unread.
        self.stopped_at: set[str] = set()

    def window(self) -> int:
        # Tasks beyond the host's slots only wait in the gate; a few keep it always busy.
        return max(4, 2 * self.rules.per_host_concurrency)

    async def get_page(self, url: str, known: Validator | None) -> Answer:
        request = Request(
            url, self.rules.user_agent, self.rules.timeout_s, self.rules.max_page_bytes,
            etag=known.etag if known else None,
            last_modified=known.last_modified if known else None,
        )  # fmt: skip
        return await polite_get(self.client, self.gate, request)

    async def read_sitemap(self, url: str) -> bytes:
        request = Request(
            url, self.rules.user_agent, self.rules.timeout_s, MAX_SITEMAP_BYTES, html_only=False
        )
        answer = await polite_get(self.client, self.gate, request)
        if answer.kind != "body":
            raise SitemapError(answer.reason or f"HTTP {answer.status}")
        return answer.body

    async def robots_allow(self, url: str) -> tuple[bool, str | None]:
        """(allowed, why robots.txt could not be read)."""
        verdict = await self.robots.verdict(url)
        return verdict.allows(self.rules.user_agent, url), verdict.unreadable


def _to_page(
    answer: Answer, relative: str, known: Validator | None, lastmod: str | None, crawl_scope: str
) -> _Page:
    """The event for one answer; with a crawl scope, also the page's in-scope links."""
    old = known or Validator()
    if answer.kind == "not_modified":
        validator = Validator(
            answer.etag or old.etag, answer.last_modified or old.last_modified, lastmod, old.links
        )
        return _Page(NotModified(relative, validator), old.links)
    if answer.kind == "gone":
        return _Page(Gone(relative, answer.url, answer.status))
    if answer.kind == "not_html" and crawl_scope:
        log.info("web_page_not_html", url=answer.url, reason=answer.reason)
        return _Page(None)
    if answer.kind != "body":
        return _Page(FetchFailed(relative, answer.url, answer.reason))
    return _page_from_body(answer, relative, lastmod, crawl_scope)


def _page_from_body(answer: Answer, relative: str, lastmod: str | None, crawl_scope: str) -> _Page:
    markup = answer.text
    scan = scan_page(markup)
    links: tuple[str, ...] = ()
    if crawl_scope and not scan.nofollow:
        base = base_url(answer.url, scan)
        found = (crawl_link(href, base, crawl_scope) for href in scan.links)
        links = tuple(dict.fromkeys(link for link in found if link))
    if scan.noindex:
        return _Page(None, links)
    try:
        body = content_markdown(markup, answer.url, scan)
    except Exception as exc:  # one page the converter chokes on must not end the whole sync
        log.warning("web_page_unconvertible", url=answer.url, error=type(exc).__name__)
        return _Page(FetchFailed(relative, answer.url, "could not be converted"), links)
    document = page_document(scan.title or relative, answer.url, body)
    validator = Validator(answer.etag, answer.last_modified, lastmod, links)
    return _Page(Fetched(relative, answer.url, document, validator), links)


async def _completed(
    jobs: deque[Callable[[], Awaitable[T]]], window: int, more: Callable[[T], None]
) -> AsyncGenerator[T, None]:
    """Run queued jobs, at most `window` at once, yielding results as they finish; `more`
    may queue further jobs. Leaving early cancels and awaits every job still running."""
    running: set[asyncio.Task[T]] = set()
    try:
        while jobs or running:
            while jobs and len(running) < window:
                running.add(asyncio.ensure_future(jobs.popleft()()))
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                result = task.result()
                more(result)
                yield result
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


async def sitemap_pages(
    client: httpx.AsyncClient,
    sitemap_url: str,
    known: Mapping[str, Validator],
    rules: WebRules,
    reached: list[str] | None = None,
) -> AsyncGenerator[WebEvent, None]:
    """One event per allowed page the sitemap (and the indexes under it) lists; a sentence
    goes to `reached` when the listing was cut at `max_pages`."""
    session = _Session(client, rules)
    try:
        _, unreadable = await session.robots_allow(sitemap_url)
        if unreadable:
            raise SourceListingError(f"Cannot read {sitemap_url}: {unreadable}.")
        try:
            entries, cut = await list_sitemap(sitemap_url, session.read_sitemap, rules.max_pages)
        except SitemapError as exc:
            raise SourceListingError(f"Cannot read the sitemap {sitemap_url}: {exc}.") from None
        if cut:
            log.warning("sitemap_cut_short", sitemap=sitemap_url, max_pages=rules.max_pages)
            if reached is not None:
                reached.append(
                    f"the sitemap lists more than {rules.max_pages} pages; only the first "
                    f"{rules.max_pages} were read (--max-pages)"
                )

        async def one(url: str, lastmod: str | None) -> WebEvent | None:
            relative = relative_key(url)
            allowed, why_not = await session.robots_allow(url)
            if why_not:
                return FetchFailed(relative, url, why_not)
            if not allowed:
                return None
            old = known.get(relative)
            if old is not None and lastmod is not None and lastmod == old.lastmod:
                return NotModified(relative, old)
            return _to_page(await session.get_page(url, old), relative, old, lastmod, "").event

        jobs: deque[Callable[[], Awaitable[WebEvent | None]]] = deque()
        seen: set[str] = set()
        for entry in entries:
            url = canonical_url(entry.url)
            if relative_key(url) in seen or not path_selected(url, rules.include, rules.exclude):
                continue
            seen.add(relative_key(url))
            jobs.append(partial(one, url, entry.lastmod))
        # aclosing: leaving this generator must close the inner one now, cancelling its tasks
        async with aclosing(_completed(jobs, session.window(), lambda _: None)) as done:
            async for event in done:
                if event is not None:
                    yield event
    finally:
        await session.robots.close()


async def website_pages(
    client: httpx.AsyncClient,
    start_url: str,
    known: Mapping[str, Validator],
    rules: WebRules,
    reached: list[str] | None = None,
) -> AsyncGenerator[WebEvent, None]:
    """One event per allowed page a bounded breadth-first crawl from `start_url` reaches,
    staying on its scheme, host and directory; a sentence goes to `reached` for each bound
    (`max_pages`, `max_depth`) that left pages unread."""
    session = _Session(client, rules)
    start = canonical_url(start_url)
    scope = crawl_prefix(start)
    try:
        allowed, unreadable = await session.robots_allow(start)
        if unreadable or not allowed:
            why = unreadable or "robots.txt disallows it"
            raise SourceListingError(f"Cannot crawl from {start}: {why}.")
        first = await _crawl_one(session, start, known, scope)
        if isinstance(first.event, FetchFailed | Gone):
            failed = first.event
            why = failed.reason if isinstance(failed, FetchFailed) else f"HTTP {failed.status}"
            raise SourceListingError(f"Cannot read the start page {start}: {why}.")
        if first.event is not None and path_selected(start, rules.include, rules.exclude):
            yield first.event
        async with aclosing(_crawl_rest(session, start, first.links, known, scope)) as rest:
            async for event in rest:
                yield event
        if reached is not None:
            reached.extend(_crawl_limits(session.stopped_at, rules))
    finally:
        await session.robots.close()


def _crawl_limits(stopped_at: set[str], rules: WebRules) -> list[str]:
    """One sentence for people per bound that left linked pages unread."""
    sentences = []
    if "max_pages" in stopped_at:
        sentences.append(
            f"the crawl stopped at {rules.max_pages} pages (--max-pages); more are linked"
        )
    if "max_depth" in stopped_at:
        sentences.append(
            f"links more than {rules.max_depth} steps from the start page were not followed "
            "(--max-depth)"
        )
    return sentences


async def _crawl_one(
    session: _Session, url: str, known: Mapping[str, Validator], scope: str
) -> _Page:
    relative = relative_key(url)
    old = known.get(relative)
    return _to_page(await session.get_page(url, old), relative, old, None, scope)


async def _crawl_rest(
    session: _Session,
    start: str,
    start_links: tuple[str, ...],
    known: Mapping[str, Validator],
    scope: str,
) -> AsyncGenerator[WebEvent, None]:
    """The crawl after the start page: breadth first, bounded by depth and page count."""
    rules = session.rules
    seen = {start}
    scheduled = 1  # the start page counts towards max_pages
    jobs: deque[Callable[[], Awaitable[tuple[_Page, int]]]] = deque()

    async def visit(url: str, depth: int) -> tuple[_Page, int]:
        allowed, why_not = await session.robots_allow(url)
        if not allowed or why_not:  # the host is the start's, whose robots.txt was read
            return _Page(None), depth
        return await _crawl_one(session, url, known, scope), depth

    def follow(links: tuple[str, ...], depth: int) -> None:
        nonlocal scheduled
        if depth > rules.max_depth:
            if any(
                link not in seen and path_selected(link, rules.include, rules.exclude)
                for link in links
            ):
                session.stopped_at.add("max_depth")
            return
        for link in links:
            if link in seen:
                continue
            if scheduled >= rules.max_pages:
                log.info("crawl_bounded", start=start, max_pages=rules.max_pages)
                session.stopped_at.add("max_pages")
                return
            seen.add(link)
            if not path_selected(link, rules.include, rules.exclude):
                continue
            scheduled += 1
            jobs.append(partial(visit, link, depth))

    follow(start_links, 1)
    followed = _completed(jobs, session.window(), lambda done: follow(done[0].links, done[1] + 1))
    async with aclosing(followed):
        async for page, _ in followed:
            if page.event is not None:
                yield page.event
