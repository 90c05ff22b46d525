"""`buddy sources ...`: registered knowledge sources kept in sync."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import guarded, settings_for_command, with_services
from buddy.cli.output import emit, fail, note, progress_bar, show

if TYPE_CHECKING:
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

    from buddy.services import Services
    from buddy.sources.context import SyncReport
    from buddy.storage.records import KnowledgeSource

sources_app = typer.Typer(
    help="Knowledge sources (folders, git repositories, sitemaps, websites) kept in sync.",
    no_args_is_help=True,
)


@sources_app.command("add")
def add_command(  # noqa: PLR0917 - Typer reads options from parameters
    name: Annotated[str | None, typer.Argument(help="Unique name, e.g. sk-docs.")] = None,
    kind: Annotated[str | None, typer.Argument(help="folder, git, sitemap or website.")] = None,
    location: Annotated[
        str | None, typer.Argument(help="Folder path, repository URL, sitemap or start URL.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Public URL prefix of the pages (folder and git).")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Only paths matching this glob; repeatable.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Skip paths matching this glob; repeatable.")
    ] = None,
    branch: Annotated[str | None, typer.Option(help="Git branch (default: the remote's).")] = None,
    root: Annotated[
        str | None, typer.Option(help="Folder inside the tree that holds the pages.")
    ] = None,
    every: Annotated[
        str | None, typer.Option(help="Sync while serving every 30m, 6h, 1d ...")
    ] = None,
    max_pages: Annotated[
        int, typer.Option(help="Most pages a website crawl or sitemap takes.")
    ] = 500,
    max_depth: Annotated[
        int, typer.Option(help="Most links a website crawl follows from its start page.")
    ] = 5,
    preset: Annotated[
        str | None, typer.Option(help="Register a known set of sources instead: dotnet-ai.")
    ] = None,
) -> None:
    """Register a source; `buddy sources sync` (or the running service) fetches it."""
    from buddy.durations import parse_duration  # noqa: PLC0415 - keeps --help fast
    from buddy.sources.registry import SourceSpec, add_preset, add_source  # noqa: PLC0415

    if preset:
        if name or kind or location:
            raise fail("give either --preset or NAME KIND LOCATION, not both")

        async def register_preset(services: Services) -> tuple[list[str], list[str]]:
            return await add_preset(services.storage, preset)

        added, existing = with_services(register_preset)
        for each in added:
            show(f"[green]added[/] {escape(each)}")
        for each in existing:
            show(f"[dim]exists[/] {escape(each)}")
        show("run `buddy sources sync` to fetch them (they need access to github.com)")
        return
    if not (name and kind and location):
        raise fail("give NAME KIND LOCATION, or --preset")
    seconds = int(guarded(lambda: parse_duration(every)).total_seconds()) if every else 0
    spec = SourceSpec(
        name=name,
        kind=kind,
        location=location,
        base_url=base_url or "",
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        branch=branch or "",
        root=root or "",
        every_seconds=seconds,
        max_pages=max_pages,
        max_depth=max_depth,
    )

    async def register(services: Services) -> KnowledgeSource:
        return await add_source(services.storage, spec)

    source = with_services(register)
    when = f"every {escape(every)}" if every else "when asked"
    show(f"[green]added[/] {escape(source.name)} ({source.kind}), synced {when}")


def _every(seconds: int) -> str:
    if not seconds:
        return "manual"
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _row(source: KnowledgeSource) -> dict[str, object]:
    """A source as `sources list --json` prints it (its cursor is internal)."""
    return {
        "name": source.name,
        "kind": source.kind,
        "location": source.location,
        "base_url": source.base_url,
        "root": source.root,
        "branch": source.branch,
        "include": list(source.include),
        "exclude": list(source.exclude),
        "every_seconds": source.every_seconds,
        "max_pages": source.max_pages,
        "max_depth": source.max_depth,
        "created_at": source.created_at.isoformat(),
        "last_sync": source.last_finished_at.isoformat() if source.last_finished_at else None,
        "last_success": source.last_success_at.isoformat() if source.last_success_at else None,
        "last_summary": source.last_summary,
        "last_error": source.last_error,
        "pages": source.pages,
        "chunks": source.chunks,
        "failures": list(source.failures),
    }


@sources_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Sources with their schedule, last sync, pages, chunks and last error."""

    async def work(services: Services) -> list[KnowledgeSource]:
        return await services.storage.sources.list_sources()

    sources = with_services(work)
    if as_json:
        emit(json.dumps([_row(source) for source in sources], indent=2))
        return
    if not sources:
        show("no sources; add one with `buddy sources add NAME KIND LOCATION`")
        return
    table = Table("name", "kind", "location", "every", "last sync", "pages", "chunks", "status")
    for source in sources:
        finished = source.last_finished_at
        status = (
            "[red]failed[/]" if source.last_error else escape(source.last_summary or "never synced")
        )
        table.add_row(
            escape(source.name),
            source.kind,
            escape(source.location),
            _every(source.every_seconds),
            f"{finished:%Y-%m-%d %H:%M}" if finished else "never",
            str(source.pages),
            str(source.chunks),
            status,
        )
    show(table)
    for source in sources:
        if source.last_error:
            show(f"[red]{escape(source.name)}[/] last sync failed: {escape(source.last_error)}")
        for failure in source.failures:
            show(f"[yellow]{escape(source.name)}[/] failed {escape(failure)}")


class _BarProgress:
    """A sync's phases on one progress row."""

    def __init__(self, bar: Bar, name: str) -> None:
        self._bar = bar
        self._name = name
        self._task: TaskID | None = None

    def start(self, phase: str, total: int | None) -> None:
        label = f"{self._name} {phase}"
        if self._task is None:
            self._task = self._bar.add_task(label, total=total)
        else:
            self._bar.reset(self._task, total=total, description=label)

    def advance(self) -> None:
        if self._task is not None:
            self._bar.advance(self._task)


def _report_line(report: SyncReport) -> str:
    name = escape(report.name)
    if report.error:
        return f"[red]failed[/] {name}: {escape(report.error)}"
    return f"[green]ok[/]     {name}: {report.summary} in {report.seconds:.1f} s"


@sources_app.command("sync")
def sync_command(
    names: Annotated[list[str] | None, typer.Argument(help="Sources to sync; default all.")] = None,
) -> None:
    """Sync sources now: fetch what changed, ingest it, remove what left."""
    from buddy.errors import BuddyError  # noqa: PLC0415 - keeps --help fast
    from buddy.sources.context import SyncContext, SyncReport  # noqa: PLC0415
    from buddy.sources.registry import get_source  # noqa: PLC0415
    from buddy.sources.sync import sync_source  # noqa: PLC0415

    settings = settings_for_command()

    async def work(services: Services) -> list[SyncReport]:
        storage = services.storage
        chosen = (
            [await get_source(storage, each) for each in dict.fromkeys(names)]
            if names
            else await storage.sources.list_sources()
        )
        if not chosen:
            note("no sources registered; add one with `buddy sources add`")
        ctx = SyncContext(storage, services.kb.embedder, settings, services.http)
        reports: list[SyncReport] = []
        for source in chosen:
            with progress_bar() as bar:
                try:
                    done = await sync_source(ctx, source, _BarProgress(bar, source.name))
                except BuddyError as exc:  # busy: another instance holds the lease
                    done = SyncReport(source.name, error=exc.detail)
            if done is None:
                note(f"{escape(source.name)} was removed meanwhile")
                continue
            report = done
            for where, why in report.failed:
                show(f"[yellow]failed[/] {escape(where)}: {escape(why)}")
            show(_report_line(report))
            reports.append(report)
        return reports

    reports = with_services(work, settings)
    failed = [report.name for report in reports if report.error]
    if failed:
        raise fail(f"{len(failed)} of {len(reports)} sources failed: {', '.join(failed)}")


@sources_app.command("remove")
def remove_command(name: Annotated[str, typer.Argument(help="The source to remove.")]) -> None:
    """Remove a source with its pages and chunks (in one transaction on SQLite)."""
    from buddy.sources.registry import remove_source  # noqa: PLC0415 - keeps --help fast

    async def work(services: Services) -> int:
        return await remove_source(services.storage, name)

    pages = with_services(work)
    show(f"removed {escape(name)} and its {pages} pages")
