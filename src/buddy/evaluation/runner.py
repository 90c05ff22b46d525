"""Ask every case through the chat path the web page uses, check and judge each answer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from buddy.chat.guards import question_of
from buddy.chat.service import chat_stream
from buddy.demo import load_demo_knowledge
from buddy.errors import BuddyError
from buddy.evaluation.cases import Case
from buddy.evaluation.checks import Answer, run_checks
from buddy.evaluation.judge import JudgeConfig, create_judge_client, judge, judge_prompt
from buddy.nuget.client import NuGetUnavailableError
from buddy.services import Services

if TYPE_CHECKING:
    import openai

log = structlog.get_logger(__name__)
PASSING_SCORE = 4
_PASSAGES_SEARCHED = 8


@dataclass(frozen=True)
class CaseResult:
    id: str
    passed: bool
    checks: dict[str, bool]
    judge_score: int | None
    grounded: bool | None
    cited: list[str]
    latency_s: float
    judge_error: bool = False
    reason: str = ""


@dataclass
class Judging:
    """The judge of one run, or nothing for `--no-judge`."""

    config: JudgeConfig
    client: openai.AsyncOpenAI


@dataclass
class _Run:
    services: Services
    judging: Judging | None
    gate: asyncio.Semaphore
    known_packages: dict[str, bool] = field(default_factory=dict)

    async def package_exists(self, package_id: str) -> bool:
        key = package_id.lower()
        if key not in self.known_packages:
            try:
                await self.services.nuget.package(package_id)
                self.known_packages[key] = True
            except NuGetUnavailableError:
                log.warning("package_not_verified", package=package_id)
                return False  # unverified is not verified; the next case asks again
            except BuddyError:  # not found, or not even a valid id
                self.known_packages[key] = False
        return self.known_packages[key]


async def ask(services: Services, case: Case) -> Answer:
    """The answer the web page would show for this case, read from the chat response body."""
    request = case.request()
    started = time.perf_counter()
    try:
        question = question_of(request, services.settings)
    except BuddyError as exc:
        return Answer("", (), exc.code, time.perf_counter() - started)
    text: list[str] = []
    cited: list[str] = []
    error = ""
    async for body in chat_stream(question, request, services):
        # One write may carry several lines (frames are batched while the client is slow).
        for line in body.splitlines():
            event = json.loads(line)
            if event["type"] == "content":
                text.append(event["content"])
            elif event["type"] == "citation":
                cited.append(event["url"])
            elif event["type"] == "error":
                error = event.get("code") or "error"
    return Answer("".join(text), tuple(cited), error, time.perf_counter() - started)


async def _passages(services: Services, case: Case, cited: Sequence[str]) -> list[str]:
    """The knowledge base passages of the pages the answer cited, for the judge to check."""
    if not cited:
        return []
    hits = await services.kb.search(case.question, _PASSAGES_SEARCHED)
    return [f"{hit.title} ({hit.url})\n{hit.text}" for hit in hits if hit.url in cited]


async def _evaluate(run: _Run, case: Case) -> CaseResult:
    async with run.gate:
        answer = await ask(run.services, case)
        checks = await run_checks(case.expect, answer, run.package_exists)
        score: int | None = None
        grounded: bool | None = None
        reason = ""
        judge_error = False
        if run.judging is not None and answer.text:
            passages = await _passages(run.services, case, answer.cited)
            prompt = judge_prompt(case.question, case.rubric, passages, answer.text)
            verdict = await judge(run.judging.client, run.judging.config, prompt)
            if verdict.verdict is None:
                judge_error, reason = True, verdict.error
            else:
                score, grounded = verdict.verdict.score, verdict.verdict.grounded
                reason = verdict.verdict.reason
        elif run.judging is not None:
            judge_error, reason = True, "no answer to judge"
    judged_ok = run.judging is None or (
        score is not None and score >= PASSING_SCORE and grounded is True
    )
    return CaseResult(
        id=case.id,
        passed=all(checks.values()) and judged_ok,
        checks=checks,
        judge_score=score,
        grounded=grounded,
        cited=list(answer.cited),
        latency_s=round(answer.latency_s, 3),
        judge_error=judge_error,
        reason=reason,
    )


async def run_cases(
    services: Services,
    cases: Sequence[Case],
    *,
    with_judge: bool,
    concurrency: int = 4,
    on_done: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Every case's result, in the order of the cases; at most `concurrency` asked at once."""
    judging = None
    if with_judge:
        config = JudgeConfig.from_settings(services.settings)
        judging = Judging(config, create_judge_client(config))
    run = _Run(services, judging, asyncio.Semaphore(max(1, concurrency)))

    async def one(case: Case) -> CaseResult:
        result = await _evaluate(run, case)
        if on_done is not None:
            on_done(result)
        return result

    try:
        return list(await asyncio.gather(*(one(case) for case in cases)))
    finally:
        if judging is not None:
            await judging.client.close()


async def ready_knowledge(services: Services) -> None:
    """The bundled demo articles in an empty knowledge base, as `buddy serve` loads them, so a
    fresh data dir answers the demo cases."""
    if services.settings.demo_content:
        cache = services.settings.data_dir / "cache"
        await load_demo_knowledge(services.storage, services.kb.embedder, cache)
