"""Web knowledge sources against a real site on 127.0.0.1: what each sync yields, and what it
asked the server for (counted on the server)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Iterator, Mapping
from contextlib import aclosing

import httpx
import pytest

from buddy.sources.web import (
    Fetched,
    FetchFailed,
    Gone,
    NotModified,
    SourceListingError,
    Validator,
    WebEvent,
    WebRules,
    sitemap_pages,
    website_pages,
)
from tests.fixtures.web_site import FakeSite, Resource, serve_site

FAST = WebRules(per_host_rate=500.0, timeout_s=2.0)
LM_A = "Wed, 01 Oct 2026 10:00:00 GMT"


@pytest.fixture
def site() -> Iterator[FakeSite]:
    with serve_site() as running:
        yield running


async def _collect(events: AsyncGenerator[WebEvent, None]) -> dict[str, WebEvent]:
    seen: dict[str, WebEvent] = {}
    async with aclosing(events):
        async for event in events:
            assert event.relative not in seen, f"two events for {event.relative}"
            seen[event.relative] = event
    return seen


def sitemap_sync(
    site: FakeSite,
    known: Mapping[str, Validator],
    rules: WebRules = FAST,
    reached: list[str] | None = None,
) -> dict[str, WebEvent]:
    async def run() -> dict[str, WebEvent]:
        async with httpx.AsyncClient() as client:
            url = f"{site.base}/sitemap_index.xml"
            return await _collect(sitemap_pages(client, url, known, rules, reached))

    return asyncio.run(run())


def crawl(
    site: FakeSite,
    known: Mapping[str, Validator],
    rules: WebRules = FAST,
    start: str = "/docs/",
    reached: list[str] | None = None,
) -> dict[str, WebEvent]:
    async def run() -> dict[str, WebEvent]:
        async with httpx.AsyncClient() as client:
            pages = website_pages(client, site.base + start, known, rules, reached)
            return await _collect(pages)

    return asyncio.run(run())


def validators(events: Mapping[str, WebEvent]) -> dict[str, Validator]:
    return {
        rel: event.validator
        for rel, event in events.items()
        if isinstance(event, Fetched | NotModified)
    }


def rel(site: FakeSite, path: str) -> str:
    return site.base.removeprefix("http://") + path


CODE_PAGE = (
    "<h1>Agents</h1><p>Build an agent with <a href='tools'>tools</a>.</p>"
    '<pre><code class="lang-csharp">var agent = new ChatClientAgent(client);</code></pre>'
    "<table><tr><th>Type</th><th>Streaming</th></tr><tr><td>Chat</td><td>yes</td></tr></table>"
)


def docs_with_sitemaps(site: FakeSite) -> None:
    """robots.txt, an index over a plain and a gzipped sitemap, and pages of every kind."""
    site.robots("User-agent: *\nDisallow: /docs/private/\n")
    site.sitemap_index("/sitemap_index.xml", ["/sitemap-a.xml", "/sitemap-b.xml.gz"])
    site.sitemap(
        "/sitemap-a.xml",
        [("/docs/a", "2026-10-01"), ("/docs/b", "2026-10-02"), ("/docs/private/secret", None)],
    )
    site.sitemap("/sitemap-b.xml.gz", [("/docs/c", None), ("/docs/d", None)], gz=True)
    site.page("/docs/a", "Agents | Docs", CODE_PAGE)
    site.page("/docs/b", "Bee", "<p>Page bee.</p>")
    site.page("/docs/c", "Sea", "<p>Page sea.</p>", etag='"c-1"', last_modified=LM_A)
    site.page("/docs/d", "Dee", "<p>Page dee.</p>", last_modified=LM_A)
    site.page("/docs/private/secret", "Secret", "<p>no</p>")


def test_sitemap_first_sync_fetches_each_allowed_page_once(site: FakeSite) -> None:
    docs_with_sitemaps(site)
    events = sitemap_sync(site, {})
    assert set(events) == {rel(site, f"/docs/{name}") for name in "abcd"}
    assert all(isinstance(event, Fetched) for event in events.values())
    expected_hits = {
        "/robots.txt": 1, "/sitemap_index.xml": 1, "/sitemap-a.xml": 1, "/sitemap-b.xml.gz": 1,
        "/docs/a": 1, "/docs/b": 1, "/docs/c": 1, "/docs/d": 1,
    }  # fmt: skip
    assert dict(site.hits) == expected_hits  # the disallowed page is never asked for

    page = events[rel(site, "/docs/a")]
    assert isinstance(page, Fetched)
    assert page.url == f"{site.base}/docs/a"
    assert page.markdown.startswith(
        f'---\ntitle: "Agents | Docs"\nurl: "{site.base}/docs/a"\n---\n'
    )
    assert "```csharp\nvar agent = new ChatClientAgent(client);\n```" in page.markdown
    assert f"[tools]({site.base}/docs/tools)" in page.markdown
    assert "| Chat | yes |" in page.markdown
    assert "Site footer text" not in page.markdown
    assert "Docs menu" not in page.markdown
    assert page.validator.lastmod == "2026-10-01"
    sea = events[rel(site, "/docs/c")]
    assert isinstance(sea, Fetched)
    assert sea.validator == Validator(etag='"c-1"', last_modified=LM_A)


def test_a_sitemap_cut_at_max_pages_says_so(site: FakeSite) -> None:
    docs_with_sitemaps(site)
    reached: list[str] = []
    events = sitemap_sync(site, {}, WebRules(per_host_rate=500.0, max_pages=2), reached)
    assert 1 <= len(events) <= 2
    assert reached == [
        "the sitemap lists more than 2 pages; only the first 2 were read (--max-pages)"
    ]
    whole: list[str] = []
    assert len(sitemap_sync(site, {}, reached=whole)) == 4
    assert whole == []


def test_sitemap_unchanged_resync_asks_only_for_what_lastmod_cannot_tell(site: FakeSite) -> None:
    docs_with_sitemaps(site)
    known = validators(sitemap_sync(site, {}))
    site.reset_counts()

    events = sitemap_sync(site, known)

    assert all(isinstance(event, NotModified) for event in events.values())
    assert len(events) == 4
    # a and b carry a lastmod: no request at all; c and d are asked conditionally -> 304
    assert dict(site.hits) == {
        "/robots.txt": 1, "/sitemap_index.xml": 1, "/sitemap-a.xml": 1, "/sitemap-b.xml.gz": 1,
        "/docs/c": 1, "/docs/d": 1,
    }  # fmt: skip
    assert dict(site.not_modified) == {"/docs/c": 1, "/docs/d": 1}
    assert events[rel(site, "/docs/c")] == NotModified(
        rel(site, "/docs/c"), known[rel(site, "/docs/c")]
    )


def test_sitemap_changed_page_is_fetched_and_dropped_page_not_seen(site: FakeSite) -> None:
    docs_with_sitemaps(site)
    known = validators(sitemap_sync(site, {}))
    site.sitemap(
        "/sitemap-a.xml",
        [("/docs/a", "2026-10-01"), ("/docs/b", "2026-11-05"), ("/docs/private/secret", None)],
    )
    site.sitemap("/sitemap-b.xml.gz", [("/docs/c", None)], gz=True)  # d removed from the site
    site.page("/docs/b", "Bee", "<p>Page bee, second edition.</p>")
    site.page("/docs/c", "Sea", "<p>Page sea, edited.</p>", etag='"c-2"', last_modified=LM_A)
    site.reset_counts()

    events = sitemap_sync(site, known)

    assert set(events) == {rel(site, f"/docs/{name}") for name in "abc"}
    bee, sea = events[rel(site, "/docs/b")], events[rel(site, "/docs/c")]
    assert isinstance(bee, Fetched)
    assert "second edition" in bee.markdown
    assert bee.validator.lastmod == "2026-11-05"
    assert isinstance(sea, Fetched)
    assert sea.validator.etag == '"c-2"'
    assert isinstance(events[rel(site, "/docs/a")], NotModified)
    assert site.hits["/docs/a"] == 0
    assert site.hits["/docs/d"] == 0


def test_sitemap_failures_are_events_and_keep_one_per_page(site: FakeSite) -> None:
    site.robots("", status=404)  # no robots.txt: everything allowed
    site.sitemap_index("/sitemap_index.xml", ["/sitemap-a.xml"])
    site.sitemap(
        "/sitemap-a.xml",
        [("/docs/ok", None), ("/docs/missing", None), ("/docs/slow", None),
         ("/docs/guide.pdf", None), ("/docs/broken", None), ("/docs/big", None),
         ("/docs/ok", None)],
    )  # fmt: skip
    site.page("/docs/ok", "OK", "<p>fine</p>")
    site.page("/docs/slow", "Slow", "<p>late</p>", delay_s=1.5)
    site.resources["/docs/guide.pdf"] = Resource(b"%PDF-1.7", "application/pdf")
    site.resources["/docs/broken"] = Resource(b"oops", "text/plain", status=503)
    site.resources["/docs/big"] = Resource(b"<p>" + b"x" * 5000 + b"</p>")
    rules = WebRules(per_host_rate=500.0, timeout_s=0.4, max_page_bytes=4000)

    events = sitemap_sync(site, {}, rules)

    assert isinstance(events[rel(site, "/docs/ok")], Fetched)
    assert events[rel(site, "/docs/missing")] == Gone(
        rel(site, "/docs/missing"), f"{site.base}/docs/missing", 404
    )
    reasons = {
        key.rsplit("/", 1)[-1]: event.reason
        for key, event in events.items()
        if isinstance(event, FetchFailed)
    }
    assert reasons == {
        "slow": "timed out after 0.4 s",
        "guide.pdf": "not HTML (application/pdf)",
        "broken": "HTTP 503",
        "big": "larger than 4000 bytes",
    }
    assert site.hits["/docs/ok"] == 1  # listed twice, asked once


@pytest.mark.parametrize(
    ("broken", "message"),
    [("robots", "robots.txt answered HTTP 500"), ("index", "HTTP 500"), ("child", "HTTP 404")],
)
def test_sitemap_that_cannot_be_read_fails_the_whole_listing(
    site: FakeSite, broken: str, message: str
) -> None:
    docs_with_sitemaps(site)
    if broken == "robots":
        site.robots("", status=500)
    elif broken == "index":
        site.resources["/sitemap_index.xml"] = Resource(b"", status=500)
    else:
        del site.resources["/sitemap-b.xml.gz"]
    with pytest.raises(SourceListingError, match=message) as caught:
        sitemap_sync(site, {})
    assert caught.value.code == "source_unreachable"


def test_sitemap_include_exclude_globs_leave_pages_out(site: FakeSite) -> None:
    docs_with_sitemaps(site)
    rules = WebRules(per_host_rate=500.0, include=("/docs/**",), exclude=("/docs/[bc]", "/docs/d"))
    # "[" is literal in our globs, so only /docs/d is excluded by name
    events = sitemap_sync(site, {}, rules)
    assert set(events) == {rel(site, "/docs/a"), rel(site, "/docs/b"), rel(site, "/docs/c")}
    assert site.hits["/docs/d"] == 0


def test_validator_round_trips_through_json() -> None:
    validator = Validator('"e"', LM_A, "2026-10-01", ("http://h/docs/a", "http://h/docs/b"))
    assert Validator.from_json(validator.to_json()) == validator
    assert Validator().to_json() == {}
    assert Validator.from_json({}) == Validator()


def test_robots_crawl_delay_spaces_requests(site: FakeSite) -> None:
    site.robots("User-agent: *\nCrawl-delay: 1\n")
    site.page("/docs/", "Start", "<a href='a'>a</a>")
    site.page("/docs/a", "A", "<p>a</p>")
    events = crawl(site, {})
    assert len(events) == 2
    page_starts = [at for at, path in site.starts if path.startswith("/docs/")]
    assert page_starts[1] - page_starts[0] >= 0.95


def docs_to_crawl(site: FakeSite) -> None:
    """A small site whose links test every rule of the crawl; each page has an ETag."""
    site.robots("User-agent: *\nDisallow: /docs/private/\n")
    pages = {
        "/docs/": (
            "<a href='a'>a</a> <a href='/docs/b#part'>b</a> <a href='/other/x'>out of scope</a>"
            " <a href='private/p'>private</a> <a rel='nofollow' href='nf'>nofollow</a>"
            " <a href='file.zip'>zip</a> <a href='http://example.invalid/docs/'>elsewhere</a>"
            " <a href='mailto:docs@example.invalid'>mail</a>"
        ),
        "/docs/a": "<p>A</p><a href='a1'>deeper</a>",
        "/docs/a1": "<p>A1</p><a href='a2'>deeper</a>",
        "/docs/a2": "<p>A2</p><a href='a3'>deeper</a>",
        "/docs/a3": "<p>A3</p>",
        "/docs/b": "<p>B is not indexed</p><a href='b1'>b1</a>",
        "/docs/b1": "<p>B1 follows nothing</p><a href='hidden'>hidden</a>",
        "/docs/hidden": "<p>only linked from a nofollow page</p>",
        "/docs/nf": "<p>nofollow target</p>",
        "/docs/private/p": "<p>private</p>",
        "/other/x": "<p>outside</p>",
    }
    heads = {
        "/docs/b": "<meta name='robots' content='noindex'>",
        "/docs/b1": "<meta name='robots' content='nofollow'>",
    }
    for path, body in pages.items():
        site.page(path, path, body, head=heads.get(path, ""), etag=f'"{path}"')


def test_crawl_follows_the_rules_and_the_depth_bound(site: FakeSite) -> None:
    docs_to_crawl(site)
    reached: list[str] = []
    events = crawl(site, {}, WebRules(per_host_rate=500.0, max_depth=2), reached=reached)
    assert reached == [
        "links more than 2 steps from the start page were not followed (--max-depth)"
    ]
    # b is reached but asks not to be indexed; a2 is at depth 3
    assert set(events) == {rel(site, p) for p in ("/docs/", "/docs/a", "/docs/a1", "/docs/b1")}
    assert all(isinstance(event, Fetched) for event in events.values())
    assert dict(site.hits) == {
        "/robots.txt": 1, "/docs/": 1, "/docs/a": 1, "/docs/a1": 1, "/docs/b": 1, "/docs/b1": 1,
    }  # fmt: skip
    start = events[rel(site, "/docs/")]
    assert isinstance(start, Fetched)
    # every in-scope link is kept (robots.txt is asked when a link is visited)
    assert set(start.validator.links) == {
        f"{site.base}{path}" for path in ("/docs/", "/docs/a", "/docs/b", "/docs/private/p")
    }


def test_crawl_stops_at_max_pages(site: FakeSite) -> None:
    docs_to_crawl(site)
    reached: list[str] = []
    events = crawl(site, {}, WebRules(per_host_rate=500.0, max_pages=3), reached=reached)
    assert len(events) == 2  # start, a and b were asked; b is noindex
    assert reached == ["the crawl stopped at 3 pages (--max-pages); more are linked"]
    assert sum(site.hits.values()) == 4  # robots.txt and three pages


def test_recrawl_goes_through_unchanged_pages_without_their_bodies(site: FakeSite) -> None:
    docs_to_crawl(site)
    reached: list[str] = []
    first = crawl(site, {}, reached=reached)
    assert reached == []  # the whole folder fits the default bounds
    assert set(first) == {
        rel(site, p) for p in ("/docs/", "/docs/a", "/docs/a1", "/docs/a2", "/docs/a3", "/docs/b1")
    }
    site.page("/docs/a3", "A3", "<p>A3 edited</p>", etag='"a3-v2"')
    site.reset_counts()

    again = crawl(site, validators(first))

    assert set(again) == set(first)  # a1..a3 found only through links stored for 304 pages
    changed = again[rel(site, "/docs/a3")]
    assert isinstance(changed, Fetched)
    assert "A3 edited" in changed.markdown
    unchanged = {"/docs/", "/docs/a", "/docs/a1", "/docs/a2", "/docs/b1"}
    assert all(isinstance(again[rel(site, p)], NotModified) for p in unchanged)
    assert dict(site.not_modified) == dict.fromkeys(unchanged, 1)
    assert site.hits["/docs/b"] == 1  # noindex pages keep no validator, so they are asked again


def test_crawl_respects_per_host_concurrency_and_rate(site: FakeSite) -> None:
    site.robots("", status=404)
    links = "".join(f"<a href='p{n}'>p{n}</a>" for n in range(8))
    site.page("/docs/", "Start", links)
    for n in range(8):
        site.page(f"/docs/p{n}", f"P{n}", f"<p>page {n}</p>", delay_s=0.15)

    events = crawl(site, {}, WebRules(per_host_concurrency=2, per_host_rate=500.0))
    assert len(events) == 9
    assert site.max_in_flight == 2

    site.reset_counts()
    crawl(site, {}, WebRules(per_host_concurrency=8, per_host_rate=10.0))
    starts = sorted(at for at, _ in site.starts)
    assert len(starts) == 10  # robots.txt, the start page and eight pages
    # Starts are spaced 0.1 s apart when sent; arrival jitter may shorten one gap, never the
    # whole run.
    assert starts[-1] - starts[0] >= 0.85
    assert min(later - earlier for earlier, later in itertools.pairwise(starts)) >= 0.05
    assert site.max_in_flight > 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("robots_500", "robots.txt answered HTTP 500"),
        ("start_missing", "HTTP 404"),
        ("start_disallowed", "robots.txt disallows it"),
    ],
)
def test_crawl_that_cannot_start_fails_the_whole_listing(
    site: FakeSite, setup: str, message: str
) -> None:
    docs_to_crawl(site)
    if setup == "robots_500":
        site.robots("", status=500)
    elif setup == "start_missing":
        del site.resources["/docs/"]
    else:
        site.robots("User-agent: *\nDisallow: /docs/\n")
    with pytest.raises(SourceListingError, match=message):
        crawl(site, {})


def test_leaving_a_crawl_early_cancels_its_requests(site: FakeSite) -> None:
    site.robots("", status=404)
    site.page("/docs/", "Start", "".join(f"<a href='s{n}'>s{n}</a>" for n in range(6)))
    site.page("/docs/s0", "Quick", "<p>quick</p>")
    for n in range(1, 6):
        site.page(f"/docs/s{n}", "Slow", "<p>slow</p>", delay_s=1.5)

    async def first_two() -> tuple[int, set[asyncio.Task[object]]]:
        async with httpx.AsyncClient() as client:
            pages = website_pages(client, f"{site.base}/docs/", {}, FAST)
            seen = 0
            async with aclosing(pages):
                async for _ in pages:
                    seen += 1
                    if seen == 2:
                        break
            return seen, asyncio.all_tasks() - {asyncio.current_task()}

    # the check runs inside the loop: asyncio.run would cancel stragglers itself at the end
    seen, left = asyncio.run(first_two())
    assert seen == 2
    assert left == set()
