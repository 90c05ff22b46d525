"""`buddy ingest feed` and `buddy ingest docs`: bring news and documentation into the store."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from buddy.cli.command import settings_for_command, with_services
from buddy.cli.output import fail, note, progress_bar, show

if TYPE_CHECKING:
    from buddy.news.ingest import FeedReport
    from buddy.retrieval.ingest import DocsReport
    from buddy.services import Services

ingest_app = typer.Typer(help="Bring content into the store.", no_args_is_help=True)


def _report_line(report: FeedReport) -> str:
    from buddy.logs import redact_text  # noqa: PLC0415 - keeps --help fast

    url = escape(redact_text(report.url))
    if report.status == "failed":
        return f"[red]failed[/]    {url}: {escape(redact_text(report.error))}"
    if report.status == "not_modified":
        return f"[dim]unchanged[/] {url} (304 Not Modified)"
    c = report.counts
    return (
        f"[green]ok[/]        {url} ({escape(report.source)}): "
        f"{c.new} new, {c.updated} updated, {c.unchanged} unchanged"
    )


@ingest_app.command("feed")
def ingest_feed_command(
    urls: Annotated[
        list[str] | None, typer.Argument(help="Feed URLs or files; default BUDDY_FEEDS.")
    ] = None,
) -> None:
    """Fetch RSS/Atom feeds and upsert their items as news."""
    from buddy.news.ingest import ingest_feeds  # noqa: PLC0415 - keeps --help fast
    from buddy.storage.records import UpsertCounts  # noqa: PLC0415

    settings = settings_for_command()
    targets = list(urls or settings.feeds)
    if not targets:
        note("error: give feed URLs or set BUDDY_FEEDS")
        raise typer.Exit(2)

    async def work(services: Services) -> list[FeedReport]:
        with progress_bar() as bar:
            task = bar.add_task("feeds", total=len(targets))

            def done(report: FeedReport) -> None:
                note(_report_line(report))
                bar.advance(task)

            return await ingest_feeds(
                services.storage, services.http, targets, settings.feed_max_bytes, done
            )

    reports = with_services(work, settings)
    total = sum((r.counts for r in reports), UpsertCounts())
    failed = sum(r.status == "failed" for r in reports)
    show(
        f"{len(reports)} feeds: {total.new} new, {total.updated} updated, "
        f"{total.unchanged} unchanged, {failed} failed"
    )
    if failed == len(reports):
        raise fail("every feed failed")


@ingest_app.command("docs")
def ingest_docs_command(
    source: Annotated[str, typer.Argument(help="Folder, file, or git repository URL.")],
    base_url: Annotated[
        str | None, typer.Option(help="Public URL prefix for the pages of SOURCE.")
    ] = None,
    prune: Annotated[bool, typer.Option(help="Remove stored pages that are gone.")] = False,
) -> None:
    """Ingest documentation (Markdown, DocFX Markdown, HTML) into the knowledge base."""
    from buddy.retrieval.ingest import ingest_docs  # noqa: PLC0415 - keeps --help fast
    from buddy.retrieval.sources import resolve_source  # noqa: PLC0415

    async def work(services: Services) -> DocsReport:
        cache = services.settings.data_dir / "cache"
        tree = await asyncio.to_thread(resolve_source, source, cache, base_url)
        with progress_bar() as bar:
            task = bar.add_task("pages", total=len(tree.files))
            return await ingest_docs(
                services.storage,
                services.kb.embedder,
                tree,
                prune=prune,
                on_page=lambda _: bar.advance(task),
            )

    report = with_services(work)
    for path, reason in report.failed:
        show(f"[red]failed[/] {escape(path)}: {escape(reason)}")
    show(
        f"pages: {report.new} new, {report.changed} changed, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed, {report.removed} removed; {report.chunks} chunks written "
        f"in {report.seconds:.1f} s"
    )
    if report.failed and not (report.new or report.changed or report.unchanged):
        raise fail("no page could be ingested")
