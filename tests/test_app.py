"""The real app under uvicorn: health, the error shape, body limits, CORS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Query

from buddy import __version__
from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.server import serve_in_thread


def test_health_reports_storage_and_version(base_url: str) -> None:
    response = httpx.get(f"{base_url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["version"] == __version__
    assert body["checks"]["storage"]["status"] == "ok"
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None


def test_health_degrades_when_the_store_stops_answering(settings: Settings) -> None:
    app = create_app(settings)
    with serve_in_thread(app) as url:
        assert httpx.get(f"{url}/health").json()["status"] == "healthy"
        asyncio.run(app.state.services.storage.close())
        response = httpx.get(f"{url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["storage"]["status"] == "down"


def test_unknown_route_is_404_in_the_error_shape(base_url: str) -> None:
    response = httpx.get(f"{base_url}/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No such route. See /docs for the API.",
        "code": "not_found",
    }


def test_wrong_method_is_405_in_the_error_shape(base_url: str) -> None:
    response = httpx.delete(f"{base_url}/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response.json()) == {"detail", "code"}


@pytest.fixture
def probe_url(settings: Settings) -> Iterator[str]:
    """The real app plus one validating route, to see how it reports bad input."""
    app = create_app(settings.model_copy(update={"max_request_bytes": 4096}))

    @app.post("/probe")
    async def probe(
        payload: dict[str, int], limit: Annotated[int, Query(ge=1, le=100)] = 10
    ) -> dict[str, int]:
        return {"limit": limit, "keys": len(payload)}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    with serve_in_thread(app) as url:
        yield url


def test_validation_errors_are_422_with_a_readable_detail(probe_url: str) -> None:
    response = httpx.post(f"{probe_url}/probe?limit=0", json={"a": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert "limit" in body["detail"]
    assert "greater than or equal to 1" in body["detail"]


def test_malformed_json_is_422_not_500(probe_url: str) -> None:
    response = httpx.post(
        f"{probe_url}/probe", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_declared_oversized_body_is_413(probe_url: str) -> None:
    response = httpx.post(f"{probe_url}/probe", content=b"x" * 5000)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "4096" in response.json()["detail"]


def test_streamed_oversized_body_is_413(probe_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    response = httpx.post(f"{probe_url}/probe", content=chunks())
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_streamed_small_body_still_reaches_the_route(probe_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"a": 1,'
        yield b' "b": 2}'

    response = httpx.post(
        f"{probe_url}/probe", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"limit": 10, "keys": 2}


def test_unexpected_errors_are_500_without_internals(probe_url: str) -> None:
    response = httpx.get(f"{probe_url}/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal"
    assert "passwd" not in response.text
    assert "RuntimeError" not in response.text


def test_api_docs_are_served(base_url: str) -> None:
    schema = httpx.get(f"{base_url}/openapi.json")
    assert schema.status_code == 200
    assert "/health" in schema.json()["paths"]
    for page in ("/docs", "/redoc"):
        response = httpx.get(f"{base_url}{page}")
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]


def test_cors_allows_only_listed_origins(data_dir: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        environment="production",
        cors_origins="https://buddy.example.com",
        key_pepper="test-pepper",
    )
    with serve_in_thread(create_app(settings)) as url:
        allowed = httpx.get(f"{url}/health", headers={"Origin": "https://buddy.example.com"})
        other = httpx.get(f"{url}/health", headers={"Origin": "https://evil.example.net"})
    assert allowed.headers["access-control-allow-origin"] == "https://buddy.example.com"
    assert "access-control-allow-origin" not in other.headers


def test_every_response_carries_the_security_headers(probe_url: str) -> None:
    responses = [
        httpx.get(f"{probe_url}/health"),
        httpx.get(f"{probe_url}/api/news"),
        httpx.get(f"{probe_url}/no/such/route"),
        httpx.post(f"{probe_url}/probe", content=b"x" * 5000),  # over the app's 4096 bytes
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 413]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_a_started_app_has_frozen_its_startup_heap(base_url: str) -> None:
    import gc  # noqa: PLC0415

    assert httpx.get(f"{base_url}/health").status_code == 200
    # Frozen objects are skipped by every collection, so none of them can cost a pause.
    assert gc.get_freeze_count() > 10_000
