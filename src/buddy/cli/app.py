"""The `buddy` command: one CLI for every operator task, one module per sub-app.

Sub-app modules import their domain inside each command, so `buddy --help` lists every command
without loading the service (FastAPI, the store, the Agents SDK).
"""

from __future__ import annotations

from typing import Annotated

import typer

from buddy import __version__
from buddy.cli.command import set_debug
from buddy.cli.db import db_app
from buddy.cli.eval import eval_app
from buddy.cli.feedback import feedback_app
from buddy.cli.ingest import ingest_app
from buddy.cli.insights import insights_command
from buddy.cli.keys import keys_app
from buddy.cli.knowledge import reindex_command, search_command
from buddy.cli.nuget import nuget_app
from buddy.cli.output import show
from buddy.cli.samples import samples_app
from buddy.cli.serve import config_command, mcp_command, serve_command
from buddy.cli.sources import sources_app

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
app.add_typer(sources_app, name="sources")
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(feedback_app, name="feedback")
app.add_typer(nuget_app, name="nuget")
app.command("search")(search_command)
app.command("reindex")(reindex_command)
app.command("insights")(insights_command)
app.command("serve")(serve_command)
app.command("mcp")(mcp_command)
app.command("config")(config_command)


def _version(value: bool) -> None:
    if value:
        show(f"buddy {__version__}")
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


def main() -> None:
    app()
