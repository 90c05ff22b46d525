"""The `buddy` command: one CLI for every operator task."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from buddy import __version__
from buddy.cli_content import ingest_app, samples_app
from buddy.cli_db import db_app
from buddy.cli_feedback import feedback_app, prune_command
from buddy.cli_keys import keys_app
from buddy.cli_knowledge import eval_app, reindex_command, search_command
from buddy.cli_nuget import nuget_app
from buddy.cli_support import out, set_debug, settings_for_command
from buddy.config import describe_settings

app = typer.Typer(
    name="buddy",
    help="C# AI Buddy: serve the assistant, manage its data and check its configuration.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.add_typer(ingest_app, name="ingest")
app.add_typer(samples_app, name="samples")
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(feedback_app, name="feedback")
db_app.command("prune")(prune_command)
app.add_typer(nuget_app, name="nuget")
app.command("search")(search_command)
app.command("reindex")(reindex_command)


def _version(value: bool) -> None:
    if value:
        out.print(f"buddy {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    set_debug(debug)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default BUDDY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT, 8000).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (one per core is typical).")
    ] = 1,
) -> None:
    """Start the web service and its page."""
    import uvicorn  # noqa: PLC0415 - only `serve` needs the server

    settings = settings_for_command()
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    out.print(f"C# AI Buddy {__version__} on http://{bind_host}:{bind_port}  (Ctrl+C stops)")
    uvicorn.run(
        "buddy.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        workers=None if reload else workers,
        log_config=None,
        proxy_headers=True,
    )


@app.command("config")
def show_config() -> None:
    """Print the effective settings, secrets masked."""
    settings = settings_for_command()
    table = Table("variable", "value", title="Effective settings")
    for name, value in describe_settings(settings):
        table.add_row(name, value)
    out.print(table)


def main() -> None:
    app()
