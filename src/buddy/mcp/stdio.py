"""`buddy mcp`: the MCP server over stdin/stdout, for clients that launch a command."""

from __future__ import annotations

import structlog

from buddy.config import Settings
from buddy.logs import configure_logging
from buddy.mcp.server import build_server
from buddy.observability import exporting
from buddy.services import background_jobs, open_services

log = structlog.get_logger(__name__)


async def serve_stdio(settings: Settings) -> None:
    """Serve the tools until the client closes stdin. Logs go to stderr only: stdout carries
    the protocol, and one stray line there would break the client's connection."""
    configure_logging(settings.log_level, settings.log_format)
    async with open_services(settings) as services:
        # Inside the services, so queued spans are flushed before the store closes; the same
        # first-start content as `buddy serve`, so a fresh install has something to search.
        with exporting(settings) as traces:
            async with background_jobs(services):
                log.info(
                    "mcp_stdio_started",
                    storage=services.storage.name,
                    traces=",".join(traces) or "none",
                )
                await build_server(services).run_stdio_async()
        log.info("mcp_stdio_stopped")
