"""The OpenAPI document tells the truth about errors: one shape, and only that shape."""

from __future__ import annotations

from typing import Any

from buddy.app import create_app
from buddy.config import Settings
from buddy.errors import ErrorOut, error_responses


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_error_response_is_documented_in_the_one_error_shape(settings: Settings) -> None:
    document = create_app(settings).openapi()
    assert document["components"]["schemas"]["ErrorOut"]["required"] == ["detail", "code"]
    # FastAPI's default 422 body ({"detail": [...]}) is not what the API sends.
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for label, operation in _operations(document).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (label, status)


def test_routes_document_the_errors_they_raise(settings: Settings) -> None:
    operations = _operations(create_app(settings).openapi())

    def errors(label: str) -> set[str]:
        return {status for status in operations[label]["responses"] if int(status) >= 400}

    assert {"400", "401", "403", "413", "415", "422"} <= errors("POST /api/chat")
    assert {"413", "415", "422"} <= errors("POST /api/feedback")
    assert {"413", "415", "422"} <= errors("POST /api/telemetry")
    assert {"404", "422"} <= errors("GET /api/samples/{sample_id}")
    assert {"404", "422", "503"} <= errors("GET /api/nuget/packages/{package_id}")
    assert {"422", "503"} <= errors("GET /api/nuget/search")
    chat_ok = operations["POST /api/chat"]["responses"]["200"]["content"]
    assert set(chat_ok) == {"application/x-ndjson"}


def test_every_error_status_can_be_documented() -> None:
    # Statuses with a meaning of their own keep it; any other gets the standard phrase.
    documented = error_responses(409, 418, 500, 502)
    assert documented[409]["description"].startswith("The request conflicts")
    assert documented[418]["description"] == "I'm a Teapot"
    assert documented[500]["description"] == "Something failed on our side; it has been logged."
    assert "upstream" in documented[502]["description"]
    assert all(entry["model"] is ErrorOut for entry in documented.values())
