"""Helpers every `buddy` command shares: settings, one-line errors, running async work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from buddy.config import ConfigError, Settings, load_settings
from buddy.errors import BuddyError
from buddy.logs import configure_logging, redact_text

T = TypeVar("T")

out = Console()
err = Console(stderr=True)
_state = {"debug": False}


def set_debug(debug: bool) -> None:
    _state["debug"] = debug


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the exit to raise (code 1)."""
    err.print(
        f"[bold red]error:[/] {escape(redact_text(message))}", highlight=False, soft_wrap=True
    )
    return typer.Exit(1)


def guarded(work: Callable[[], T]) -> T:
    """Run a command body; known failures become one line and exit code 1."""
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


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return guarded(lambda: asyncio.run(work()))


def settings_for_command() -> Settings:
    settings = guarded(load_settings)
    configure_logging(settings.log_level, settings.log_format)
    return settings
