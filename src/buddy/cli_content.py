"""`buddy ingest feed` and `buddy samples import`: content commands with progress and summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from buddy.cli_support import err, fail, out, run_async, settings_for_command
from buddy.logs import redact_text
from buddy.news.ingest import FeedReport, ingest_feeds
from buddy.samples.catalog import load_catalog
from buddy.samples.service import import_samples
from buddy.storage.factory import opened_storage
from buddy.storage.records import UpsertCounts

ingest_app = typer.Typer(help="Bring content into the store.", no_args_is_help=True)
samples_app = typer.Typer(help="The samples gallery.", no_args_is_help=True)


def _report_line(report: FeedReport) -> str:
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
    settings = settings_for_command()
    targets = list(urls or settings.feeds)
    if not targets:
        err.print("error: give feed URLs or set BUDDY_FEEDS", highlight=False)
        raise typer.Exit(2)

    async def work() -> list[FeedReport]:
        timeout = httpx.Timeout(settings.feed_timeout_seconds)
        async with (
            opened_storage(settings) as storage,
            httpx.AsyncClient(timeout=timeout) as client,
        ):
            with Progress(
                TextColumn("[bold]feeds"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress:
                task = progress.add_task("feeds", total=len(targets))

                def done(report: FeedReport) -> None:
                    progress.console.print(_report_line(report), highlight=False)
                    progress.advance(task)

                return await ingest_feeds(storage, client, targets, settings.feed_max_bytes, done)

    reports = run_async(work)
    total = sum((r.counts for r in reports), UpsertCounts())
    failed = sum(r.status == "failed" for r in reports)
    out.print(
        f"{len(reports)} feeds: {total.new} new, {total.updated} updated, "
        f"{total.unchanged} unchanged, {failed} failed",
        highlight=False,
    )
    if failed == len(reports):
        raise fail("every feed failed")


@samples_app.command("import")
def import_samples_command(
    catalog: Annotated[Path, typer.Argument(help="Catalog file (.json, .yaml or .yml).")],
    prune: Annotated[bool, typer.Option(help="Remove samples whose ids are not in the file.")] = (
        False
    ),
) -> None:
    """Import a samples catalog, upserting by id."""

    async def work() -> tuple[UpsertCounts, int]:
        samples = load_catalog(catalog)
        async with opened_storage(settings_for_command()) as storage:
            report = await import_samples(storage, samples, prune)
        return report.counts, report.removed

    counts, removed = run_async(work)
    out.print(
        f"samples: {counts.new} new, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{removed} removed",
        highlight=False,
    )
