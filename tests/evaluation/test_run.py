"""`run_cases` against real servers on 127.0.0.1: a scripted answer model, a separate
scripted judge, and the fake NuGet source."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.evaluation.cases import Case
from buddy.evaluation.judge import ATTEMPTS
from buddy.evaluation.runner import CaseResult, run_cases
from buddy.services import open_services
from tests.fixtures.chat_setup import with_model
from tests.fixtures.model_server import Script, model_server, text_turn
from tests.fixtures.nuget_packages import CHAT
from tests.fixtures.nuget_server import nuget_server

pytestmark = pytest.mark.anyio

CODE_ANSWER = (
    "Install it with `dotnet add package {package}`, then:\n\n"
    '```csharp\nvar reply = await client.GetResponseAsync("Hi");\n```\n'
)


def _verdict(score: int, grounded: bool) -> list[dict[str, object]]:
    return text_turn(json.dumps({"score": score, "grounded": grounded, "reason": "scripted"}))


@pytest.fixture
def servers(settings: Settings) -> Iterator[tuple[Settings, Script, Script]]:
    """Settings whose answers come from one scripted server and verdicts from another."""
    with (
        model_server() as (answer_url, answers),
        model_server() as (judge_url, verdicts),
        nuget_server() as (index_url, _),
    ):
        configured = with_model(
            settings,
            answer_url,
            judge_base_url=judge_url,
            judge_model="scripted-judge",
            nuget_service_index=index_url,
            llm_timeout_seconds=2.0,
        )
        yield configured, answers, verdicts


async def _run(settings: Settings, cases: list[Case], with_judge: bool) -> list[CaseResult]:
    async with open_services(settings, chat=True) as services:
        return await run_cases(services, cases, with_judge=with_judge, concurrency=1)


def _case(case_id: str, **expect: object) -> Case:
    return Case.model_validate(
        {"id": case_id, "question": "How do I stream a chat reply?", "expect": expect}
    )


async def test_judge_scores_retries_once_and_counts_errors(
    servers: tuple[Settings, Script, Script],
) -> None:
    settings, answers, verdicts = servers
    answers.turns = [text_turn("Use GetStreamingResponseAsync.") for _ in range(5)]
    verdicts.turns = [
        _verdict(5, True),  # valid
        text_turn("Sure! The score is 4."),  # malformed, then valid
        _verdict(4, True),
        text_turn('{"score": "5", "grounded": true, "reason": "x"}'),  # always malformed
        text_turn('{"score": 9, "grounded": true, "reason": "x"}'),
        _verdict(5, False),  # a high score that is not grounded
        _verdict(3, True),  # grounded but too low
    ]
    cases = [_case(f"c{n}", mention_all=["GetStreamingResponseAsync"]) for n in range(5)]
    results = await _run(settings, cases, with_judge=True)
    assert [(r.judge_score, r.grounded, r.judge_error) for r in results] == [
        (5, True, False),
        (4, True, False),
        (None, None, True),
        (5, False, False),
        (3, True, False),
    ]
    assert [r.passed for r in results] == [True, True, False, False, False]
    assert all(r.checks == {"answered": True, "mention_all": True} for r in results)
    # One request per case, one more after the malformed reply, ATTEMPTS for the hopeless one.
    assert len(verdicts.requests) == 1 + 2 + ATTEMPTS + 1 + 1
    judged = verdicts.requests[0]
    assert judged["model"] == "scripted-judge"
    assert "GetStreamingResponseAsync" in judged["messages"][1]["content"]
    assert all(request["model"] == "scripted" for request in answers.requests)


async def test_a_judge_that_never_answers_is_a_judge_error(
    servers: tuple[Settings, Script, Script],
) -> None:
    settings, answers, verdicts = servers
    answers.turns = [text_turn("Use GetStreamingResponseAsync.")]
    verdicts.turns = ["stall", 500]
    [result] = await _run(settings, [_case("slow")], with_judge=True)
    assert result.judge_error
    assert not result.passed
    assert result.checks == {"answered": True}
    assert len(verdicts.requests) == ATTEMPTS


async def test_an_invented_package_fails_the_packages_check(
    servers: tuple[Settings, Script, Script],
) -> None:
    settings, answers, verdicts = servers
    answers.turns = [
        text_turn(CODE_ANSWER.format(package=CHAT)),
        text_turn(CODE_ANSWER.format(package="Contoso.AI.Imaginary")),
        text_turn(CODE_ANSWER.format(package=CHAT)),
    ]
    cases = [
        _case("real", packages=[CHAT], has_code=True),
        _case("invented", has_code=True),
        _case("missing", packages=["Fabrikam.Vectors"]),
    ]
    results = await _run(settings, cases, with_judge=False)
    assert [r.checks for r in results] == [
        {"answered": True, "has_code": True, "packages": True},
        {"answered": True, "has_code": True, "packages": False},
        {"answered": True, "packages": False},
    ]
    assert [r.passed for r in results] == [True, False, False]
    assert verdicts.requests == []  # --no-judge asks no judge


async def test_a_model_failure_fails_the_case(servers: tuple[Settings, Script, Script]) -> None:
    settings, answers, _ = servers
    answers.turns = [500]
    [result] = await _run(settings, [_case("down")], with_judge=False)
    assert result.checks == {"answered": False}
    assert not result.passed


def test_cases_read_their_history_and_filters(tmp_path: Path) -> None:
    case = Case.model_validate(
        {
            "id": "h",
            "question": "And in C#?",
            "history": [{"role": "user", "content": "What is an agent?"}],
            "filters": {"aiLibrary": "Semantic Kernel"},
        }
    )
    request = case.request()
    assert request.message == "And in C#?"
    assert request.history[0].content == "What is an agent?"
    assert request.filters.aiLibrary == "Semantic Kernel"
