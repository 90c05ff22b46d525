"""Where stored votes are forwarded: Phoenix (span annotations over REST) and Arize (its SDK).

A target either accepts a batch, reports rows it refused (`RowFailures`, e.g. a span Phoenix
has not received yet) or raises `TargetUnavailable` when it cannot be reached at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import httpx

from buddy.config import Settings
from buddy.storage.records import Feedback

ANNOTATION_NAME = "user_feedback"
_LABELS = {"thumbs_up": "👍", "thumbs_down": "👎"}
_SCORES = {"thumbs_up": 1.0, "thumbs_down": 0.0}
RowFailures = dict[int, str]  # feedback id -> why the target refused that row


class TargetUnavailable(Exception):
    """The target could not take anything now (down, timing out, 5xx); try again later."""


class AnnotationTarget(Protocol):
    @property
    def name(self) -> str: ...

    async def send(self, rows: Sequence[Feedback]) -> RowFailures: ...


def phoenix_annotation(row: Feedback) -> dict[str, Any]:
    """One vote as a Phoenix span annotation; the identifier makes a resend an update."""
    result: dict[str, Any] = {
        "label": _LABELS[row.feedback_type],
        "score": _SCORES[row.feedback_type],
    }
    if row.comment:
        result["explanation"] = row.comment
    return {
        "span_id": row.span_id,
        "name": ANNOTATION_NAME,
        "annotator_kind": "HUMAN",
        "result": result,
        "identifier": f"buddy-feedback-{row.id}",
        "metadata": {"source": "csharp-ai-buddy"},
    }


class PhoenixTarget:
    name = "phoenix"

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str | None) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/v1/span_annotations"
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, rows: Sequence[Feedback]) -> RowFailures:
        status = await self._post(rows)
        if status < 400:
            return {}
        if len(rows) == 1 or status != 404:
            return {row.id or 0: f"Phoenix answered HTTP {status}" for row in rows}
        # Phoenix refuses a whole batch when one span is unknown: find which, one by one.
        failures: RowFailures = {}
        for row in rows:
            failures.update(await self.send([row]))
        return failures

    async def _post(self, rows: Sequence[Feedback]) -> int:
        body = {"data": [phoenix_annotation(row) for row in rows]}
        try:
            response = await self._http.post(
                self._url, params={"sync": "true"}, json=body, headers=self._headers, timeout=10
            )
        except httpx.TransportError as exc:
            raise TargetUnavailable(f"Phoenix unreachable ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise TargetUnavailable(f"Phoenix answered HTTP {response.status_code}")
        if response.status_code == 404 and "span" not in response.text.lower():
            raise TargetUnavailable("Phoenix has no span annotation API at this URL")
        return response.status_code


def arize_annotation(row: Feedback) -> dict[str, Any]:
    """One vote in the columns Arize's annotation logger reads (the seed's field names)."""
    return {
        "context.span_id": row.span_id,
        "annotation.rating.label": _LABELS[row.feedback_type],
        "annotation.rating.score": _SCORES[row.feedback_type],
        "annotation.rating.updated_by": "user",
        # Arize reads notes as a list of strings.
        "annotation.notes": [row.comment] if row.comment else [],
    }


class ArizeTarget:
    """Forwards through Arize's SDK (the optional `arize` extra), run in a worker thread
    because the SDK call blocks."""

    name = "arize"

    def __init__(self, log_annotations: Callable[[list[dict[str, Any]]], object]) -> None:
        self._log = log_annotations

    async def send(self, rows: Sequence[Feedback]) -> RowFailures:
        try:
            await asyncio.to_thread(self._log, [arize_annotation(row) for row in rows])
        except Exception as exc:
            raise TargetUnavailable(
                f"Arize refused the annotations ({type(exc).__name__})"
            ) from exc
        return {}


def _arize_logger(settings: Settings) -> Callable[[list[dict[str, Any]]], object]:
    """The SDK's annotation logger, imported only when Arize is configured."""
    try:
        import pandas as pd  # noqa: PLC0415
        from arize import ArizeClient  # noqa: PLC0415
    except ImportError:
        msg = "ARIZE_SPACE_ID is set but the Arize SDK is missing: install csharp-ai-buddy[arize]"
        raise RuntimeError(msg) from None
    api_key = settings.arize_api_key.get_secret_value() if settings.arize_api_key else ""
    client = ArizeClient(api_key=api_key)
    space_id, project = settings.arize_space_id or "", settings.arize_project_name

    def log(rows: list[dict[str, Any]]) -> object:
        return client.spans.update_annotations(
            space_id=space_id, project_name=project, dataframe=pd.DataFrame(rows)
        )

    return log


def configured_targets(settings: Settings, http: httpx.AsyncClient) -> list[AnnotationTarget]:
    targets: list[AnnotationTarget] = []
    if settings.phoenix_collector_endpoint:
        key = settings.phoenix_api_key.get_secret_value() if settings.phoenix_api_key else None
        targets.append(PhoenixTarget(http, settings.phoenix_collector_endpoint, key))
    if settings.arize_space_id and settings.arize_api_key:
        targets.append(ArizeTarget(_arize_logger(settings)))
    return targets
