"""Knowledge-source syncs on the shared corpus: what a re-sync costs when nothing (or one page)
changed, per kind, against the folder sync (every page read and hashed) measured in the same
run, and what an unchanged web re-sync asks the server for.

- git vs folder: the corpus committed to a local repository (reached over file://) and
  registered both ways on one store (the second costs no embedding: vectors are reused by
  text hash). Re-syncs in process, and `buddy sources sync` as a whole command.
- sitemap: 120 corpus pages rendered to HTML on a local server, re-synced with the sitemap's
  `lastmod`, with ETags only (304s), and with no validator at all (every page fetched again,
  found unchanged by its hash): the case where the method stops being cheap.

Run: .venv/bin/python -m benchmarks.sources [--corpus ../shared/corpora/semantic-kernel-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from markdown_it import MarkdownIt
from tests.fixtures.web_site import FakeSite, serve_site

from benchmarks.harness import header
from benchmarks.knowledge import DEFAULT_CORPUS
from buddy.config import Settings
from buddy.retrieval.docfx import split_front_matter
from buddy.services import Services, open_services
from buddy.sources.context import SyncContext, SyncReport
from buddy.sources.registry import SourceSpec, add_source
from buddy.sources.sync import sync_source

WEB_PAGES = 120
ROUNDS = 5


def make_repository(corpus: Path, where: Path) -> Path:
    repo = where / "corpus-repo"
    shutil.copytree(corpus, repo)
    identity = ["-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    for command in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "--all"],
        [*identity, "commit", "--quiet", "-m", "corpus"],
    ):
        subprocess.run(["git", *command], cwd=repo, check=True, capture_output=True)
    return repo


def commit_change(repo: Path, page: Path, n: int) -> None:
    with page.open("a", encoding="utf-8") as out:
        out.write(f"\n\nA sentence added by benchmark round {n}.\n")
    identity = ["-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    subprocess.run(["git", "add", "--all"], cwd=repo, check=True)
    subprocess.run(["git", *identity, "commit", "--quiet", "-m", f"r{n}"], cwd=repo, check=True)


async def timed_sync(services: Services, name: str) -> tuple[float, SyncReport]:
    source = await services.storage.sources.get_source(name)
    assert source is not None
    ctx = SyncContext(services.storage, services.kb.embedder, services.settings, services.http)
    started = time.perf_counter()
    report = await sync_source(ctx, source)
    assert report is not None
    assert not report.error, report.error
    return time.perf_counter() - started, report


async def median_of(rounds: int, work: Callable[[int], Awaitable[float]]) -> float:
    return statistics.median([await work(n) for n in range(rounds)])


def command_seconds(data_dir: Path, name: str) -> float:
    env = {**os.environ, "BUDDY_DATA_DIR": str(data_dir), "BUDDY_LOG_LEVEL": "ERROR"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "buddy", "sources", "sync", name],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


async def trees(corpus: Path, work: Path) -> None:
    repo = make_repository(corpus, work)
    settings = Settings(_env_file=None, data_dir=work / "data", demo_content=False)
    async with open_services(settings) as services:
        await add_source(services.storage, SourceSpec("git-docs", "git", repo.as_uri()))
        await add_source(services.storage, SourceSpec("folder-docs", "folder", str(repo)))
        cold, report = await timed_sync(services, "git-docs")
        print(f"git cold sync: {cold:.1f} s ({report.summary}, {report.added} pages embedded)")
        second, report = await timed_sync(services, "folder-docs")
        print(f"folder cold sync on the same store: {second:.1f} s (vectors reused by hash)")

        async def unchanged(name: str) -> float:
            return await median_of(ROUNDS, lambda _: _first(timed_sync(services, name)))

        git_same, folder_same = await unchanged("git-docs"), await unchanged("folder-docs")
        print(f"unchanged re-sync, in process (median of {ROUNDS}):")
        print(f"  folder (hash every page) {folder_same * 1000:8.1f} ms   1.00x")
        print(
            f"  git (diff)               {git_same * 1000:8.1f} ms   {git_same / folder_same:.2f}x"
        )
        page = next(repo.rglob("*.md"))
        rounds = iter(range(1000))

        async def one_change(name: str) -> float:
            commit_change(repo, page, next(rounds))
            return await _first(timed_sync(services, name))

        git_one = await median_of(ROUNDS, lambda _: one_change("git-docs"))
        folder_one = await median_of(ROUNDS, lambda _: one_change("folder-docs"))
        print(f"one page changed, in process (median of {ROUNDS}, the page re-embedded):")
        print(f"  folder {folder_one * 1000:8.1f} ms   1.00x")
        print(f"  git    {git_one * 1000:8.1f} ms   {git_one / folder_one:.2f}x")
    cli = [command_seconds(settings.data_dir, "git-docs") for _ in range(3)]
    print(
        f"`buddy sources sync git-docs`, unchanged, whole command: {min(cli):.2f} s min, "
        f"{statistics.median(cli):.2f} s median (process start and imports included)"
    )


async def _first(work: Awaitable[tuple[float, SyncReport]]) -> float:
    return (await work)[0]


def publish(site: FakeSite, corpus: Path, *, lastmod: bool, etag: bool) -> None:
    render = MarkdownIt("commonmark").enable("table")
    pages = sorted(corpus.rglob("*.md"))[:WEB_PAGES]
    entries = []
    for n, path in enumerate(pages):
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        route = f"/docs/{n:03}-{path.stem}"
        site.page(
            route,
            str(meta.get("title") or path.stem),
            render.render(body),
            etag=f'"v{n}"' if etag else None,
        )
        entries.append((route, "2026-11-01" if lastmod else None))
    site.sitemap("/sitemap.xml", entries)


async def sitemap(corpus: Path, work: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=work / "web-data",
        demo_content=False,
        source_host_rate=50.0,
        source_host_concurrency=4,
    )
    with serve_site() as site:
        site.robots("User-agent: *\nAllow: /\n")
        publish(site, corpus, lastmod=True, etag=True)
        async with open_services(settings) as services:
            await add_source(
                services.storage, SourceSpec("web", "sitemap", f"{site.base}/sitemap.xml")
            )
            cold, report = await timed_sync(services, "web")
            print(
                f"sitemap cold sync of {WEB_PAGES} pages: {cold:.1f} s ({report.summary}; "
                f"{sum(site.hits.values())} requests)"
            )
            print(
                f"unchanged re-sync ({settings.source_host_rate:.0f} requests/s per host, "
                f"{settings.source_host_concurrency} at once):"
            )
            for label, lastmod, etag in (
                ("lastmod in the sitemap", True, True),
                ("ETag only (304s)", False, True),
                ("no validator (fetch all)", False, False),
            ):
                publish(site, corpus, lastmod=lastmod, etag=etag)
                await timed_sync(services, "web")  # the validators of this variant
                site.reset_counts()
                seconds, report = await timed_sync(services, "web")
                pages = sum(n for path, n in site.hits.items() if path.startswith("/docs/"))
                print(
                    f"  {label:26} {seconds * 1000:8.0f} ms  {pages:4d} page requests "
                    f"({sum(site.not_modified.values())} answered 304), {report.summary}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    header("knowledge sources: re-sync costs per kind")
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}")
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(trees(args.corpus, Path(folder)))
        asyncio.run(sitemap(args.corpus, Path(folder)))


if __name__ == "__main__":
    main()
