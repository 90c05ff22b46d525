"""`buddy insights`: what people asked and what failed, as the admin page shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import with_services
from buddy.cli.output import emit, show

if TYPE_CHECKING:
    from buddy.insights.schemas import Insights, QuestionGroupOut
    from buddy.services import Services


def insights_command(
    days: Annotated[int, typer.Option(min=1, max=365, help="How many days back.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
) -> None:
    """Questions, unanswered questions grouped by meaning, votes, latency, tools and the
    pages behind thumbs-down answers."""
    from buddy.insights.service import insights  # noqa: PLC0415 - keeps --help fast

    async def work(services: Services) -> Insights:
        return await insights(services.storage, services.question_vectors, days)

    found = with_services(work)
    if as_json:
        emit(found.model_dump_json(indent=2))
        return
    ratio = "no votes" if found.feedback.ratio is None else f"{found.feedback.ratio:.0%} up"
    p50, p95 = found.latency.p50_s, found.latency.p95_s
    latency = "no answers" if p50 is None else f"p50 {p50:.2f} s, p95 {p95:.2f} s"
    show(
        f"last {found.days} days: {found.questions} questions, {found.answered} answered, "
        f"{found.unanswered} unanswered, {found.errors} errors\n"
        f"votes: {found.feedback.up} up, {found.feedback.down} down ({ratio}); {latency}"
    )
    _groups("Most asked", found.top_questions)
    _groups("Unanswered: documentation to add", found.unanswered_questions)
    if found.downvoted_sources:
        table = Table("votes down", "page", title="Pages cited by thumbs-down answers")
        for source in found.downvoted_sources:
            table.add_row(str(source.count), escape(source.url))
        show(table)


def _groups(title: str, groups: list[QuestionGroupOut]) -> None:
    if not groups:
        return
    table = Table("asked", "question", "other wordings", title=title)
    for group in groups:
        others = "\n".join(escape(text) for text in group.examples if text != group.question)
        table.add_row(str(group.count), escape(group.question), others)
    show(table)
