"""What each forwarding target is handed, without the network: Arize through its SDK."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from buddy.config import Settings
from buddy.feedback.targets import (
    ArizeTarget,
    PhoenixTarget,
    TargetUnavailable,
    configured_targets,
    phoenix_annotation,
)
from buddy.storage.records import Feedback

pytestmark = pytest.mark.anyio
WHEN = datetime(2026, 11, 1, tzinfo=UTC)
VOTES = [
    Feedback("0123456789abcdef", "thumbs_down", WHEN, comment="wrong package", id=7),
    Feedback("fedcba9876543210", "thumbs_up", WHEN, id=8),
]


async def test_arize_gets_the_seed_annotation_columns() -> None:
    handed: list[list[dict[str, Any]]] = []
    assert await ArizeTarget(handed.append).send(VOTES) == {}
    assert handed == [
        [
            {
                "context.span_id": "0123456789abcdef",
                "annotation.rating.label": "👎",
                "annotation.rating.score": 0.0,
                "annotation.rating.updated_by": "user",
                "annotation.notes": ["wrong package"],
            },
            {
                "context.span_id": "fedcba9876543210",
                "annotation.rating.label": "👍",
                "annotation.rating.score": 1.0,
                "annotation.rating.updated_by": "user",
                "annotation.notes": [],
            },
        ]
    ]


async def test_an_arize_failure_means_try_again_later() -> None:
    def refuse(rows: list[dict[str, Any]]) -> None:
        raise ConnectionError("flight endpoint down")

    with pytest.raises(TargetUnavailable, match="ConnectionError"):
        await ArizeTarget(refuse).send(VOTES)


def test_phoenix_annotation_is_idempotent_per_vote() -> None:
    annotation = phoenix_annotation(VOTES[0])
    assert annotation == {
        "span_id": "0123456789abcdef",
        "name": "user_feedback",
        "annotator_kind": "HUMAN",
        "result": {"label": "👎", "score": 0.0, "explanation": "wrong package"},
        "identifier": "buddy-feedback-7",
        "metadata": {"source": "csharp-ai-buddy"},
    }


async def test_targets_follow_the_settings(settings: Settings) -> None:
    async with httpx.AsyncClient() as http:
        assert configured_targets(settings, http) == []
        phoenix = settings.model_copy(update={"phoenix_collector_endpoint": "http://127.0.0.1:9"})
        (target,) = configured_targets(phoenix, http)
        assert isinstance(target, PhoenixTarget)
        with pytest.raises(TargetUnavailable, match="unreachable"):
            await target.send(VOTES)  # port 9 refuses at once
        arize = settings.model_copy(
            update={"arize_space_id": "space", "arize_api_key": SecretStr("arize-key")}
        )
        # The Arize SDK is an optional extra; without it the service says how to get it.
        if importlib.util.find_spec("arize") is None:
            with pytest.raises(RuntimeError, match=r"csharp-ai-buddy\[arize\]"):
                configured_targets(arize, http)
        else:
            (target,) = configured_targets(arize, http)
            assert isinstance(target, ArizeTarget)
