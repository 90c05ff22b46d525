"""`buddy db`: create the store and its indexes, copy an embedded store into MongoDB, and delete
data past its retention."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from buddy.cli.command import settings_for_command, with_services
from buddy.cli.output import fail, progress_bar, show

if TYPE_CHECKING:
    from rich.progress import TaskID

    from buddy.retention import Pruned
    from buddy.services import Services

db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)


@db_app.command("init")
def db_init() -> None:
    """Create the store, its indexes and (on Atlas) the search indexes; safe to run again."""

    async def work(services: Services) -> str:
        storage = services.storage
        await storage.ping()
        # The embedder knows its vector size without loading a model.
        dimension = services.kb.embedder.dimension
        await storage.prepare(dimension, lambda line: show(f"  {escape(line)}"))
        return storage.name

    settings = settings_for_command()
    name = with_services(work, settings)
    where = settings.sqlite_path if name == "sqlite" else settings.database_name
    show(f"[green]ok[/] {name} store ready at {escape(str(where))}")


@db_app.command("migrate-from-sqlite")
def migrate_from_sqlite(
    path: Annotated[
        Path | None,
        typer.Argument(help="SQLite file to copy (default: the one in BUDDY_DATA_DIR)."),
    ] = None,
) -> None:
    """Copy an embedded SQLite store into the MongoDB store named by MONGODB_URI."""
    from buddy.storage.copy import copy_store  # noqa: PLC0415 - keeps --help fast
    from buddy.storage.factory import backend_name, sqlite_file_storage  # noqa: PLC0415

    settings = settings_for_command()
    if backend_name(settings) != "mongodb":
        raise fail("set MONGODB_URI to the MongoDB store to copy into")
    source_path = path or settings.sqlite_path
    if not source_path.is_file():
        raise fail(f"no SQLite store at {source_path}")

    async def work(services: Services) -> dict[str, int]:
        source = sqlite_file_storage(source_path, settings)
        await source.open()
        try:
            with progress_bar() as bar:
                tasks: dict[str, TaskID] = {}

                def progress(what: str, done: int, total: int) -> None:
                    if what not in tasks:
                        tasks[what] = bar.add_task(what, total=total)
                    bar.update(tasks[what], completed=done, total=total)

                return await copy_store(source, services.storage, progress)
        finally:
            await source.close()

    copied = with_services(work, settings)
    summary = ", ".join(f"{count} {what}" for what, count in copied.items())
    show(f"[green]ok[/] copied {summary} into {escape(settings.database_name)}")


@db_app.command("prune")
def prune_command() -> None:
    """Delete kept answers, telemetry events and conversations past their retention settings."""
    from buddy.retention import prune_expired  # noqa: PLC0415 - keeps --help fast

    async def work(services: Services) -> Pruned:
        return await prune_expired(services.storage, services.settings)

    settings = settings_for_command()
    pruned = with_services(work, settings)
    show(
        f"[green]ok[/] pruned {pruned.answers} answers ({settings.answer_retention_days} d), "
        f"{pruned.telemetry_events} telemetry events ({settings.telemetry_retention_days} d), "
        f"{pruned.conversations} conversations ({settings.conversation_retention_days} d)"
    )
