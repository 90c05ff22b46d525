"""`buddy serve`, `buddy mcp` and `buddy config`: run the service or its MCP server over stdio,
and see the settings they would run with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from buddy import __version__
from buddy.cli.command import settings_for_command
from buddy.cli.output import show

if TYPE_CHECKING:
    from buddy.config import Settings


def serve_command(
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
    if settings.metrics:
        _serve_metrics(settings, several_processes=reload or workers > 1)
    show(f"C# AI Buddy {__version__} on http://{bind_host}:{bind_port}  (Ctrl+C stops)")
    uvicorn.run(
        "buddy.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        workers=None if reload else workers,
        log_config=None,
        proxy_headers=True,
        # Past this, streams still open are cancelled so the process exits before the
        # container engine's own kill (compose's stop_grace_period is longer).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


def _serve_metrics(settings: Settings, *, several_processes: bool) -> None:
    """Workers in processes of their own share their counts through files in the data dir;
    with BUDDY_METRICS_PORT this process serves them on that private port."""
    from buddy.metrics import exposition  # noqa: PLC0415 - before any metric exists here

    if several_processes:
        exposition.prepare_multiprocess_dir(settings.data_dir / "metrics")
    if settings.metrics_port is not None:
        from prometheus_client import start_http_server  # noqa: PLC0415

        start_http_server(settings.metrics_port, settings.metrics_host, exposition.registry())
        show(f"metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics")


def mcp_command() -> None:
    """Serve the MCP tools over stdin/stdout, for editors that launch a command. Logs go to
    stderr; the server exits when the client closes stdin."""
    import asyncio  # noqa: PLC0415

    from buddy.mcp.stdio import serve_stdio  # noqa: PLC0415 - keeps --help fast

    settings = settings_for_command()
    asyncio.run(serve_stdio(settings))


def config_command() -> None:
    """Print the effective settings, secrets masked."""
    from buddy.config import describe_settings  # noqa: PLC0415

    table = Table("variable", "value", title="Effective settings")
    for name, value in describe_settings(settings_for_command()):
        table.add_row(name, value)
    show(table)
