"""Ask every case through the chat path the web page uses, check and judge each answer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
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
# A served answer is quiet between lines for up to the heartbeat interval (15 s), longer than
# the shared client's feed timeout allows; the connection itself should still come quickly.
_ANSWER_TIMEOUT = httpx.Timeout(10.0, read=120.0)


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
    ask: Ask
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


Ask = Callable[[Case], Awaitable[Answer]]


class _Reading:
    """An answer read from the chat response body, line by line."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.cited: list[str] = []
        self.error = ""

    def feed(self, line: str | bytes) -> None:
        if not line.strip():
            return
        event = json.loads(line)
        if event["type"] == "content":
            self.text.append(event["content"])
        elif event["type"] == "citation":
            self.cited.append(event["url"])
        elif event["type"] == "error":
            self.error = event.get("code") or "error"

    def answer(self, started: float) -> Answer:
        return Answer("".join(self.text), tuple(self.cited), self.error, _since(started))


def _since(started: float) -> float:
    return time.perf_counter() - started


def in_process(services: Services) -> Ask:
    """Cases asked through the web page's chat path, in this process."""

    async def ask(case: Case) -> Answer:
        request = case.request()
        started = time.perf_counter()
        try:
            question = question_of(request, services.settings)
        except BuddyError as exc:
            return Answer("", (), exc.code, _since(started))
        reading = _Reading()
        async for body in chat_stream(question, request, services):
            # One write may carry several lines (frames are batched while the client is slow).
            for line in body.splitlines():
                reading.feed(line)
        return reading.answer(started)

    return ask


def over_http(client: httpx.AsyncClient, base_url: str, magic_key: str = "") -> Ask:
    """Cases asked of a running server's `POST /api/chat`, as the web page asks them."""
    headers = {"X-Magic-Key": magic_key} if magic_key else {}
    url = base_url.rstrip("/") + "/api/chat"

    async def ask(case: Case) -> Answer:
        body = case.request().model_dump(mode="json", exclude_none=True)
        started = time.perf_counter()
        reading = _Reading()
        try:
            async with client.stream(
                "POST", url, json=body, headers=headers, timeout=_ANSWER_TIMEOUT
            ) as response:
                if response.status_code != httpx.codes.OK:
                    await response.aread()
                    return Answer("", (), _error_code(response), _since(started))
                async for line in response.aiter_lines():
                    reading.feed(line)
        except httpx.HTTPError as exc:
            log.warning("eval_request_failed", url=url, error=type(exc).__name__)
            return Answer("", (), "unreachable", _since(started))
        return reading.answer(started)

    return ask


def _error_code(response: httpx.Response) -> str:
    """The code of the service's error shape, else the HTTP status."""
    try:
        code = response.json()["code"]
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}"
    return str(code)


async def _passages(services: Services, case: Case, cited: Sequence[str]) -> list[str]:
    """The knowledge base passages of the pages the answer cited, for the judge to check."""
    if not cited:
        return []
    hits = await services.kb.search(case.question, _PASSAGES_SEARCHED)
    return [f"{hit.title} ({hit.url})\n{hit.text}" for hit in hits if hit.url in cited]


async def _evaluate(run: _Run, case: Case) -> CaseResult:
    async with run.gate:
        answer = await run.ask(case)
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
    ask: Ask | None = None,
) -> list[CaseResult]:
    """Every case's result, in the order of the cases; at most `concurrency` asked at once.
    Cases are asked in process unless `ask` says otherwise; NuGet checks and the judge's
    passages always use `services`."""
    judging = None
    if with_judge:
        config = JudgeConfig.from_settings(services.settings)
        judging = Judging(config, create_judge_client(config))
    run = _Run(
        services, ask or in_process(services), judging, asyncio.Semaphore(max(1, concurrency))
    )

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
