"""`buddy eval retrieval`: how well the knowledge base finds the pages a question set expects."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import with_services
from buddy.cli.output import emit, show

if TYPE_CHECKING:
    from buddy.retrieval.eval import EvalResult
    from buddy.services import Services

eval_app = typer.Typer(help="Measure quality.", no_args_is_help=True)


@eval_app.command("retrieval")
def eval_retrieval_command(
    file: Annotated[Path, typer.Argument(help="JSONL rows {question, relevant:[...], kind?}.")],
    k: Annotated[int, typer.Option("--k", min=1, max=10)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Recall@5, recall@10 and MRR@10 of the knowledge base on a question set."""
    from buddy.retrieval.eval import evaluate, load_eval  # noqa: PLC0415 - keeps --help fast

    async def work(services: Services) -> EvalResult:
        return await evaluate(services.kb, load_eval(file), k)

    result = with_services(work)
    if as_json:
        emit(json.dumps(asdict(result), indent=2))
        return
    _print_result(result)


def _print_result(result: EvalResult) -> None:
    at_k = f"recall@{result.k} {result.recall_at_k:.3f}  " if result.k not in (5, 10) else ""
    show(
        f"{result.questions} questions ({result.out_of_scope} out of scope skipped): {at_k}"
        f"recall@5 {result.recall_5:.3f}  recall@10 {result.recall_10:.3f}  "
        f"MRR@10 {result.mrr_10:.3f}"
    )
    table = Table("kind", "questions", "recall@5", "recall@10", "MRR@10")
    for name, scores in sorted(result.per_kind.items()):
        table.add_row(
            escape(name),
            str(scores.questions),
            f"{scores.recall_5:.3f}",
            f"{scores.recall_10:.3f}",
            f"{scores.mrr_10:.3f}",
        )
    show(table)
    for miss in result.misses:
        show(
            f"[yellow]miss[/] {escape(miss.question)}\n"
            f"  wanted {escape(str(miss.relevant))}\n  got {escape(str(miss.found))}"
        )
