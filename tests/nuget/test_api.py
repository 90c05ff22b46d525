"""The NuGet routes of the real app under uvicorn, reading the fake source."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.nuget_packages import ADVISORY, CHAT, VECTORS
from tests.fixtures.nuget_server import NuGetServerState
from tests.fixtures.server import serve_in_thread
from tests.nuget.conftest import TIMEOUT

Server = tuple[str, NuGetServerState]


@pytest.fixture
def app_url(settings: Settings, nuget: Server) -> Iterator[str]:
    index_url, _ = nuget
    configured = settings.model_copy(
        update={
            "nuget_service_index": index_url,
            "nuget_timeout_seconds": TIMEOUT,
            "demo_content": False,
        }
    )
    with serve_in_thread(create_app(configured)) as url:
        yield url


def test_search_route(app_url: str, nuget: Server) -> None:
    _, state = nuget
    response = httpx.get(f"{app_url}/api/nuget/search", params={"q": "contoso chat", "take": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["totalHits"] == 3
    assert body["take"] == 5
    first = body["packages"][0]
    assert first["id"] == CHAT
    assert first["verified"] is True
    assert first["url"] == f"https://www.nuget.org/packages/{CHAT}/2.1.0"
    pre = httpx.get(f"{app_url}/api/nuget/search", params={"q": CHAT, "prerelease": "true"})
    assert pre.json()["packages"][0]["version"] == "3.0.0-preview.1"
    # Same query again: answered from the cache, the source is not asked.
    before = state.count("/query-")
    again = httpx.get(f"{app_url}/api/nuget/search", params={"q": "contoso chat", "take": 5})
    assert again.json() == body
    assert state.count("/query-") == before


def test_package_route(app_url: str) -> None:
    response = httpx.get(f"{app_url}/api/nuget/packages/{CHAT}")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "2.1.0"
    assert body["install"] == f"dotnet add package {CHAT} --version 2.1.0"
    assert body["license"] == {
        "kind": "expression",
        "value": "MIT",
        "url": "https://licenses.nuget.org/MIT",
    }
    assert body["readme"]["source"] == "readme"
    by_version = {v["version"]: v for v in body["versions"]}
    assert by_version["1.0.0"]["deprecation"]["alternatePackage"]["id"] == "Contoso.AI.Chat.Core"
    assert by_version["1.1.0"]["vulnerabilities"] == [{"severity": "High", "advisoryUrl": ADVISORY}]
    old = httpx.get(f"{app_url}/api/nuget/packages/{VECTORS}", params={"version": "1.0.0"})
    assert old.status_code == 200
    assert old.json()["version"] == "1.0.0"
    assert old.json()["license"]["kind"] == "file"


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/nuget/packages/No.Such.Package", {}, 404, "not_found"),
        (f"/api/nuget/packages/{CHAT}", {"version": "9.9.9"}, 404, "not_found"),
        ("/api/nuget/packages/bad..id", {}, 422, "validation_error"),
        ("/api/nuget/packages/semi;colon", {}, 422, "validation_error"),
        (f"/api/nuget/packages/{CHAT}", {"version": "newest"}, 422, "validation_error"),
        ("/api/nuget/search", {"take": "0"}, 422, "validation_error"),
        ("/api/nuget/search", {"take": "101"}, 422, "validation_error"),
        ("/api/nuget/search", {"q": "x" * 201}, 422, "validation_error"),
    ],
)
def test_bad_requests_get_the_error_shape(
    app_url: str, path: str, params: dict[str, str], status: int, code: str
) -> None:
    response = httpx.get(f"{app_url}{path}", params=params)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert set(response.json()) == {"detail", "code"}


def test_every_endpoint_down_is_a_503(app_url: str, nuget: Server) -> None:
    _, state = nuget
    state.primary = "hang"
    state.secondary = "fail"
    response = httpx.get(f"{app_url}/api/nuget/search", params={"q": "down"}, timeout=30)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "NuGet search is unavailable: every search endpoint failed (HTTP 500).",
        "code": "nuget_unavailable",
    }


def test_an_unreachable_source_is_a_503_not_a_crash(base_url: str) -> None:
    # The default test settings point NuGet at a closed local port.
    response = httpx.get(f"{base_url}/api/nuget/packages/{CHAT}")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "nuget_unavailable"
    assert body["detail"].startswith("NuGet is unavailable: the NuGet service index could not")
