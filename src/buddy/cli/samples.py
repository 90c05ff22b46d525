"""`buddy samples import`: load a samples catalog into the gallery."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from buddy.cli.command import guarded, with_services
from buddy.cli.output import show

if TYPE_CHECKING:
    from buddy.samples.service import ImportReport
    from buddy.services import Services

samples_app = typer.Typer(help="The samples gallery.", no_args_is_help=True)


@samples_app.command("import")
def import_samples_command(
    catalog: Annotated[Path, typer.Argument(help="Catalog file (.json, .yaml or .yml).")],
    prune: Annotated[bool, typer.Option(help="Remove samples whose ids are not in the file.")] = (
        False
    ),
) -> None:
    """Import a samples catalog, upserting by id."""
    from buddy.samples.catalog import load_catalog  # noqa: PLC0415 - keeps --help fast
    from buddy.samples.service import import_samples  # noqa: PLC0415

    # A bad catalog is reported before anything is opened.
    samples = guarded(lambda: load_catalog(catalog))

    async def work(services: Services) -> ImportReport:
        return await import_samples(services.storage, samples, prune)

    report = with_services(work)
    counts = report.counts
    show(
        f"samples: {counts.new} new, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{report.removed} removed"
    )
