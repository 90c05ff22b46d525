"""`buddy feedback export` and `buddy db prune`: rated answers out, expired data away."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from buddy.auth.service import parse_duration
from buddy.cli_support import out, run_async, settings_for_command
from buddy.errors import InvalidInputError
from buddy.feedback.service import export_cases
from buddy.retention import Pruned, prune_expired
from buddy.storage.factory import opened_storage

feedback_app = typer.Typer(help="Feedback on answers.", no_args_is_help=True)


class VoteType(StrEnum):
    THUMBS_UP = "thumbs_up"
    THUMBS_DOWN = "thumbs_down"


def parse_since(text: str) -> datetime:
    """A duration back from now (`7d`, `12h`) or an ISO date/time (`2026-11-01`)."""
    try:
        return datetime.now(UTC) - parse_duration(text)
    except InvalidInputError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        msg = f"--since '{text}' is neither a duration (7d, 12h) nor a date (2026-11-01)"
        raise InvalidInputError(msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@feedback_app.command("export")
def export_command(
    since: Annotated[
        str | None, typer.Option(help="Only votes from then on: 7d, 12h or 2026-11-01.")
    ] = None,
    vote: Annotated[
        VoteType | None, typer.Option("--type", help="Only thumbs_up or thumbs_down.")
    ] = None,
) -> None:
    """Write rated answers as JSON Lines (question, answer excerpt, sources, comment)."""
    settings = settings_for_command()

    async def work() -> list[dict[str, object]]:
        start = parse_since(since) if since else None
        async with opened_storage(settings) as storage:
            return await export_cases(storage, start, vote.value if vote else None)

    cases = run_async(work)
    for case in cases:
        print(json.dumps(case, ensure_ascii=False))
    typer.echo(f"{len(cases)} rated answers exported", err=True)


def prune_command() -> None:
    """Delete kept answers and telemetry events older than their retention settings."""
    settings = settings_for_command()

    async def work() -> Pruned:
        async with opened_storage(settings) as storage:
            return await prune_expired(storage, settings)

    pruned = run_async(work)
    out.print(
        f"[green]ok[/] pruned {pruned.answers} answers older than "
        f"{settings.answer_retention_days} days and {pruned.telemetry_events} telemetry events "
        f"older than {settings.telemetry_retention_days} days"
    )
