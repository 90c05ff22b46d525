"""`buddy feedback export`: rated answers out as JSON Lines, raw material for eval cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from buddy.cli.command import guarded, settings_for_command, with_services
from buddy.cli.output import emit, note

if TYPE_CHECKING:
    from buddy.services import Services

feedback_app = typer.Typer(help="Feedback on answers.", no_args_is_help=True)


class VoteType(StrEnum):
    THUMBS_UP = "thumbs_up"
    THUMBS_DOWN = "thumbs_down"


def parse_since(text: str) -> datetime:
    """A duration back from now (`7d`, `12h`) or an ISO date/time (`2026-11-01`)."""
    from buddy.durations import parse_duration  # noqa: PLC0415 - keeps --help fast
    from buddy.errors import InvalidInputError  # noqa: PLC0415

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
    as_cases: Annotated[
        bool,
        typer.Option(
            "--as-cases", help="Write `buddy eval answers` cases (default --type thumbs_down)."
        ),
    ] = False,
) -> None:
    """Write rated answers as JSON Lines (question, answer excerpt, sources, comment)."""
    from buddy.feedback.service import export_cases  # noqa: PLC0415 - keeps --help fast

    settings = settings_for_command()
    start = guarded(lambda: parse_since(since)) if since else None
    wanted = vote or (VoteType.THUMBS_DOWN if as_cases else None)

    async def work(services: Services) -> list[dict[str, object]]:
        return await export_cases(services.storage, start, wanted.value if wanted else None)

    rows = with_services(work, settings)
    if as_cases:
        _emit_cases(rows)
        return
    for row in rows:
        emit(json.dumps(row, ensure_ascii=False))
    note(f"{len(rows)} rated answers exported")


def _emit_cases(rows: list[dict[str, object]]) -> None:
    from buddy.evaluation.cases import case_from_vote  # noqa: PLC0415

    cases = [case for case in map(case_from_vote, rows) if case is not None]
    for case in cases:
        emit(case.model_dump_json(exclude_defaults=True))
    skipped = len(rows) - len(cases)
    note(f"{len(cases)} cases exported" + (f", {skipped} without a kept answer" if skipped else ""))
