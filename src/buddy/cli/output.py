"""How `buddy` speaks: results on stdout, progress, notes and errors on stderr, one way each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_out = Console()
_err = Console(stderr=True)


def show(renderable: RenderableType) -> None:
    """A result for a person on stdout: text with Rich markup (escape what you did not write), or
    a table."""
    _out.print(renderable, highlight=False)


def emit(text: str) -> None:
    """A result for a program on stdout (JSON, a key): the text as is, never wrapped or styled."""
    _out.out(text, highlight=False)


def note(message: str) -> None:
    """A line about the work rather than its result, on stderr so pipes get results only."""
    _err.print(message, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the exit to raise (code 1)."""
    from buddy.logs import redact_text  # noqa: PLC0415 - its structlog is not needed for --help

    _err.print(
        f"[bold red]error:[/] {escape(redact_text(message))}", highlight=False, soft_wrap=True
    )
    return typer.Exit(1)


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A live display on stderr, one row per task (its description, a bar, done/total, time);
    it disappears when the work ends, leaving the summary the command prints."""
    with Progress(
        TextColumn("[bold]{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as bar:
        yield bar
