"""What every `buddy` command shares: its settings, the services graph it runs on, and one line
with exit code 1 for a failure it knows.

Nothing heavy is imported at module level: `buddy --help` loads this module and must stay fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from buddy.cli.output import fail

if TYPE_CHECKING:
    from buddy.config import Settings
    from buddy.services import Services

T = TypeVar("T")
_state = {"debug": False}


def set_debug(debug: bool) -> None:
    _state["debug"] = debug


def guarded(work: Callable[[], T]) -> T:
    """Run a command body; known failures become one line and exit code 1."""
    # The FastAPI error types weigh half a second to import; only a running command needs them.
    from buddy.config import ConfigError  # noqa: PLC0415
    from buddy.errors import BuddyError  # noqa: PLC0415

    try:
        return work()
    except typer.Exit:
        raise  # already reported by the inner command
    except (ConfigError, BuddyError, OSError) as exc:
        if _state["debug"]:
            raise
        raise fail(str(exc)) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        raise fail(f"unexpected {type(exc).__name__}; run with --debug for details") from None


def settings_for_command() -> Settings:
    """The effective settings, with logging configured from them."""
    from buddy.config import load_settings  # noqa: PLC0415
    from buddy.logs import configure_logging  # noqa: PLC0415

    settings = guarded(load_settings)
    configure_logging(settings.log_level, settings.log_format)
    return settings


def with_services(
    work: Callable[[Services], Awaitable[T]],
    settings: Settings | None = None,
    *,
    chat: bool = False,
) -> T:
    """Open the services graph (store, HTTP client, knowledge base, NuGet...; with `chat`, the
    model and agent too), run `work` on it and close it again; settings are loaded unless given."""
    effective = settings if settings is not None else settings_for_command()

    async def run() -> T:
        # The graph imports the Agents SDK (about a second); only commands that run need it.
        from buddy.services import open_services  # noqa: PLC0415

        async with open_services(effective, chat=chat) as services:
            return await work(services)

    return guarded(lambda: asyncio.run(run()))
