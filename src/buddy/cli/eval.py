"""`buddy eval retrieval`: how well the knowledge base finds the pages a question set expects."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import guarded, settings_for_command, with_services
from buddy.cli.output import emit, fail, note, progress_bar, show

if TYPE_CHECKING:
    from buddy.evaluation.report import Comparison
    from buddy.evaluation.runner import CaseResult
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


@eval_app.command("answers")
def eval_answers_command(  # noqa: PLR0917 - Typer reads options from parameters
    files: Annotated[list[Path], typer.Argument(help="Case files: JSON Lines, or seed JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    with_judge: Annotated[
        bool, typer.Option("--judge/--no-judge", help="Score each answer with the judge model.")
    ] = True,
    min_pass: Annotated[
        float, typer.Option("--min-pass", min=0, max=1, help="Exit 1 below this pass rate.")
    ] = 0.0,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64)] = 4,
    compare_to: Annotated[
        Path | None, typer.Option("--compare", help="A saved run: exit 1 when a case regresses.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Save the run as JSON.")] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Ask a running server (its /api/chat) instead of in process."),
    ] = None,
    magic_key: Annotated[
        str,
        typer.Option(
            "--magic-key",
            envvar="BUDDY_MAGIC_KEY",
            show_default=False,
            help="Key for a production server (better from the environment: BUDDY_MAGIC_KEY).",
        ),
    ] = "",
) -> None:
    """Ask every case through the chat path, check each answer and (unless --no-judge) have
    the judge model score it."""
    from buddy.evaluation.cases import load_case_files  # noqa: PLC0415 - keeps --help fast
    from buddy.evaluation.judge import JudgeConfig, judge_configured  # noqa: PLC0415
    from buddy.evaluation.report import compare, load_run, summary  # noqa: PLC0415
    from buddy.evaluation.runner import (  # noqa: PLC0415
        over_http,
        ready_knowledge,
        run_cases,
    )

    cases = guarded(lambda: load_case_files(files))
    before = guarded(lambda: load_run(compare_to)) if compare_to else None
    settings = settings_for_command()
    if with_judge and not judge_configured(settings):
        raise fail(
            "no judge model: the provider is offline and BUDDY_JUDGE_MODEL / "
            "BUDDY_JUDGE_BASE_URL are unset; set them or pass --no-judge"
        )
    judge_model = JudgeConfig.from_settings(settings).model if with_judge else None

    async def work(services: Services) -> list[CaseResult]:
        ask = over_http(services.http, url, magic_key) if url else None
        if ask is None:
            await ready_knowledge(services)
        with progress_bar() as bar:
            task = bar.add_task("cases", total=len(cases))
            return await run_cases(
                services,
                cases,
                with_judge=with_judge,
                concurrency=concurrency,
                on_done=lambda _: bar.advance(task),
                ask=ask,
            )

    run = summary(with_services(work, settings, chat=True), judge_model)
    if out is not None:
        guarded(lambda: out.write_text(json.dumps(run, indent=2) + "\n", "utf-8"))
    regressed = False
    if as_json:
        emit(json.dumps(run, indent=2))
    else:
        _print_run(run)
    if before is not None:
        comparison = compare(before, run)
        _print_comparison(comparison)
        regressed = bool(comparison.newly_failing)
    if run["pass_rate"] < min_pass:
        raise fail(f"pass rate {run['pass_rate']:.3f} is below --min-pass {min_pass:g}")
    if regressed:
        raise fail(f"{len(comparison.newly_failing)} cases pass in {compare_to} but fail now")


def _print_run(run: dict[str, Any]) -> None:
    table = Table("case", "checks", "score", "latency")
    for row in run["results"]:
        failed = [name for name, ok in row["checks"].items() if not ok]
        checks = "[red]" + escape(", ".join(failed)) + "[/]" if failed else "[green]ok[/]"
        score = "-" if row["judge_score"] is None else str(row["judge_score"])
        if row["grounded"] is False:
            score += " [red]ungrounded[/]"
        mark = "[green]pass[/]" if row["passed"] else "[red]FAIL[/]"
        table.add_row(f"{mark} {escape(row['id'])}", checks, score, f"{row['latency_s']:.2f} s")
    show(table)
    judge = run["judge"]
    judged = ""
    if judge is not None:
        mean = "-" if judge["mean_score"] is None else f"{judge['mean_score']:.2f}"
        judged = f"  judge {escape(judge['model'])}: mean {mean}, {judge['errors']} judge errors"
    show(
        f"{run['passed']}/{run['cases']} passed ({run['pass_rate']:.1%}){judged}  "
        f"latency p50 {run['latency_p50_s']:.2f} s"
    )


def _print_comparison(comparison: Comparison) -> None:
    # On stderr: stdout may be the --json object a program reads.
    note(f"pass rate {comparison.pass_rate_before:.1%} -> {comparison.pass_rate_after:.1%}")
    for label, ids in (
        ("[red]newly failing[/]", comparison.newly_failing),
        ("[green]newly passing[/]", comparison.newly_passing),
        ("new cases", comparison.added),
        ("gone", comparison.removed),
    ):
        if ids:
            note(f"{label}: {escape(', '.join(ids))}")
