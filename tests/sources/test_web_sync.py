"""Sitemap and website sources synced into the knowledge base from a real site on 127.0.0.1:
an unchanged re-sync asks for nothing but the listing, pages that change or leave the site
change or leave the store, and a listing that cannot be read removes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.services import Services, open_services
from buddy.sources.context import SyncContext
from buddy.sources.registry import SourceSpec, add_source
from buddy.sources.sync import sync_due
from tests.fixtures.web_site import FakeSite, Resource, serve_site
from tests.sources.syncing import counts, sync

pytestmark = pytest.mark.anyio
AGENTS = (
    "<h1>Agents</h1><p>Build a ChatClientAgent with tools.</p>"
    '<pre><code class="lang-csharp">var agent = new ChatClientAgent(client);</code></pre>'
)


@pytest.fixture
def site() -> Iterator[FakeSite]:
    with serve_site() as running:
        running.robots("User-agent: *\nDisallow: /docs/private/\n")
        running.sitemap_index("/sitemap_index.xml", ["/sitemap-a.xml", "/sitemap-b.xml.gz"])
        running.sitemap(
            "/sitemap-a.xml",
            [("/docs/agents", "2026-10-01"), ("/docs/private/secret", None)],
        )
        running.sitemap(
            "/sitemap-b.xml.gz",
            [("/docs/filters", None), ("/docs/memory", "2026-10-02"), ("/docs/slow", None)],
            gz=True,
        )
        running.page("/docs/agents", "Agents", AGENTS)
        running.page(
            "/docs/filters",
            "Filters",
            "<p>IFunctionInvocationFilter wraps each function call.</p>",
            etag='"f-1"',
        )
        running.page("/docs/memory", "Memory", "<p>Vector stores keep embeddings.</p>")
        running.page("/docs/slow", "Slow", "<p>Eventually consistent answers.</p>")
        running.page("/docs/private/secret", "Secret", "<p>Not for robots.</p>")
        yield running


async def page_urls(services: Services, name: str) -> list[str]:
    keys = [key for key in await services.storage.chunks.page_hashes() if key.startswith(name)]
    chunks = await services.storage.chunks.chunks_of_pages(keys)
    return sorted(found[0].url for found in chunks.values())


async def test_a_sitemap_source_syncs_only_what_changed(services: Services, site: FakeSite) -> None:
    await add_source(
        services.storage, SourceSpec("site", "sitemap", f"{site.base}/sitemap_index.xml")
    )
    first = await sync(services, "site")
    assert counts(first) == (4, 0, 0, 0, 0), first.failed
    docs = f"{site.base}/docs"
    assert await page_urls(services, "site") == [
        f"{docs}/agents",
        f"{docs}/filters",
        f"{docs}/memory",
        f"{docs}/slow",
    ]
    assert site.hits["/docs/private/secret"] == 0
    hits = await services.kb.search("IFunctionInvocationFilter wraps calls", k=3)
    assert hits[0].url == f"{docs}/filters"
    agents = (await services.kb.search("ChatClientAgent tools", k=1))[0]
    assert "```csharp" in agents.text
    assert "Site footer text" not in agents.text

    site.reset_counts()
    again = await sync(services, "site")
    assert counts(again) == (0, 0, 0, 4, 0)
    # An unchanged lastmod spares the request, an ETag gets a 304, and a page with neither
    # is fetched again and found unchanged by its hash (nothing is embedded).
    assert site.hits["/docs/agents"] == site.hits["/docs/memory"] == 0
    assert site.not_modified["/docs/filters"] == 1
    assert site.hits["/docs/slow"] == 1

    site.sitemap("/sitemap-a.xml", [("/docs/agents", "2026-11-20"), ("/docs/private/secret", None)])
    site.page("/docs/agents", "Agents", AGENTS.replace("with tools", "with plugins"))
    site.sitemap("/sitemap-b.xml.gz", [("/docs/filters", None), ("/docs/slow", None)], gz=True)
    site.resources["/docs/filters"] = Resource(b"gone", "text/plain", status=404)
    site.resources["/docs/slow"].delay_s = 3.0
    changed = await sync(services, "site")
    assert counts(changed) == (0, 1, 2, 1, 1), changed.failed
    assert changed.failed[0][0] == f"{docs}/slow"
    assert "timed out" in changed.failed[0][1]
    # The slow page failed this time: its last good copy stays.
    assert await page_urls(services, "site") == [f"{docs}/agents", f"{docs}/slow"]
    listed = await services.storage.sources.get_source("site")
    assert listed is not None
    assert listed.last_error == ""
    assert listed.failures[0].startswith(f"{docs}/slow: ")
    assert listed.pages == 2


async def test_an_unreadable_sitemap_fails_the_sync_and_removes_nothing(
    services: Services, site: FakeSite
) -> None:
    await add_source(
        services.storage, SourceSpec("site", "sitemap", f"{site.base}/sitemap_index.xml")
    )
    assert counts(await sync(services, "site")) == (4, 0, 0, 0, 0)
    before = await services.storage.sources.get_source("site")
    site.resources["/sitemap-b.xml.gz"] = Resource(b"down", "text/plain", status=503)
    failed = await sync(services, "site")
    assert "Cannot read the sitemap" in failed.error
    after = await services.storage.sources.get_source("site")
    assert after is not None
    assert before is not None
    assert after.pages == 4
    assert after.cursor == before.cursor
    assert after.last_success_at == before.last_success_at
    assert after.last_error == failed.error


async def test_a_website_source_crawls_within_its_folder(
    services: Services, site: FakeSite
) -> None:
    site.page(
        "/docs/",
        "Docs home",
        "<p>Start with <a href='agents'>agents</a> or <a href='/blog/'>the blog</a>.</p>",
    )
    site.page("/blog/", "Blog", "<p>Not documentation.</p>")
    await add_source(services.storage, SourceSpec("crawl", "website", f"{site.base}/docs/"))
    assert counts(await sync(services, "crawl")) == (2, 0, 0, 0, 0)
    assert await page_urls(services, "crawl") == [f"{site.base}/docs/", f"{site.base}/docs/agents"]
    assert site.hits["/blog/"] == 0
    site.page("/docs/", "Docs home", "<p>Only the home page is left.</p>")
    assert counts(await sync(services, "crawl")) == (0, 1, 1, 0, 0)
    assert await page_urls(services, "crawl") == [f"{site.base}/docs/"]


async def test_a_crawl_bounded_by_its_depth_says_so_in_its_summary(
    services: Services, site: FakeSite
) -> None:
    site.page("/docs/", "Docs home", "<p>See <a href='agents'>agents</a>.</p>")
    spec = SourceSpec("shallow", "website", f"{site.base}/docs/", max_depth=0)
    await add_source(services.storage, spec)
    report = await sync(services, "shallow")
    assert counts(report) == (1, 0, 0, 0, 0)
    assert site.hits["/docs/agents"] == 0
    stored = await services.storage.sources.get_source("shallow")
    assert stored is not None
    assert stored.max_depth == 0
    assert stored.last_summary == (
        "1 added, 0 changed, 0 removed, 0 unchanged, 0 failed; links more than 0 steps from "
        "the start page were not followed (--max-depth)"
    )


async def test_a_relative_data_dir_keeps_the_copy_under_the_tree(
    settings: Settings, site: FakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = settings.model_copy(update={"data_dir": Path("data"), "source_host_rate": 500.0})
    async with open_services(relative) as opened:
        await add_source(
            opened.storage, SourceSpec("site", "sitemap", f"{site.base}/sitemap-a.xml")
        )
        report = await sync(opened, "site")
    assert report.error == ""
    assert counts(report) == (1, 0, 0, 0, 0)


@pytest.mark.parametrize("concurrency", [1, 2])
async def test_a_slow_crawl_holds_back_other_due_sources_only_without_concurrency(
    settings: Settings, site: FakeSite, tmp_path: Path, concurrency: int
) -> None:
    site.page("/slow/", "Slow home", "<p>Answers after a while.</p>", delay_s=3.0)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "filters.md").write_text("# Filters\n\nA filter wraps each function call.\n")
    configured = settings.model_copy(
        update={"source_host_rate": 500.0, "source_concurrency": concurrency}
    )
    async with open_services(configured) as services:
        hourly = 3600  # never synced, so both are due now
        slow = SourceSpec("a-slow", "website", f"{site.base}/slow/", every_seconds=hourly)
        await add_source(services.storage, slow)
        quick = SourceSpec("b-quick", "folder", str(notes), every_seconds=hourly)
        await add_source(services.storage, quick)
        ctx = SyncContext(services.storage, services.kb.embedder, configured, services.http)
        reports = await sync_due(ctx)
        assert sorted((r.name, r.added) for r in reports) == [("a-slow", 1), ("b-quick", 1)]
        done = {
            source.name: source.last_finished_at
            for source in await services.storage.sources.list_sources()
        }
    assert done["a-slow"] is not None
    assert done["b-quick"] is not None
    # Listed by name, so one at a time the slow crawl goes first and the folder waits for it.
    assert (done["b-quick"] < done["a-slow"]) == (concurrency > 1)
