"""`buddy db`: create the store and its indexes, copy an embedded store into MongoDB."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from buddy.cli_support import fail, out, run_async, settings_for_command
from buddy.config import Settings

db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)


def _vector_dimension(settings: Settings) -> int:
    """Size of the configured embedder's vectors, without loading the model."""
    from buddy.retrieval.embedders.local import DIMENSION  # noqa: PLC0415 - keeps --help fast

    return DIMENSION if settings.embedder == "local" else settings.embedding_dimension


@db_app.command("init")
def db_init() -> None:
    """Create the store, its indexes and (on Atlas) the search indexes; safe to run again."""
    from buddy.storage.factory import opened_storage  # noqa: PLC0415 - keeps --help fast

    settings = settings_for_command()

    async def work() -> str:
        async with opened_storage(settings) as storage:
            await storage.ping()
            await storage.prepare(
                _vector_dimension(settings), lambda line: out.print(f"  {escape(line)}")
            )
            return storage.name

    name = run_async(work)
    where = settings.sqlite_path if name == "sqlite" else settings.database_name
    out.print(f"[green]ok[/] {name} store ready at {where}")


@db_app.command("migrate-from-sqlite")
def migrate_from_sqlite(
    path: Annotated[
        Path | None,
        typer.Argument(help="SQLite file to copy (default: the one in BUDDY_DATA_DIR)."),
    ] = None,
) -> None:
    """Copy an embedded SQLite store into the MongoDB store named by MONGODB_URI."""
    from buddy.storage.copy import copy_store  # noqa: PLC0415 - keeps --help fast
    from buddy.storage.factory import (  # noqa: PLC0415
        backend_name,
        opened_storage,
        sqlite_file_storage,
    )

    settings = settings_for_command()
    if backend_name(settings) != "mongodb":
        raise fail("set MONGODB_URI to the MongoDB store to copy into")
    source_path = path or settings.sqlite_path
    if not source_path.is_file():
        raise fail(f"no SQLite store at {source_path}")

    async def work() -> dict[str, int]:
        source = sqlite_file_storage(source_path, settings)
        await source.open()
        try:
            async with opened_storage(settings) as target:
                with Progress(
                    TextColumn("{task.description:<9}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=out,
                ) as bar:
                    tasks: dict[str, TaskID] = {}

                    def progress(what: str, done: int, total: int) -> None:
                        if what not in tasks:
                            tasks[what] = bar.add_task(what, total=total)
                        bar.update(tasks[what], completed=done, total=total)

                    return await copy_store(source, target, progress)
        finally:
            await source.close()

    copied = run_async(work)
    summary = ", ".join(f"{count} {what}" for what, count in copied.items())
    out.print(f"[green]ok[/] copied {summary} into {settings.database_name}")
