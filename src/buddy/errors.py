"""One error hierarchy and one JSON shape, `{"detail": ..., "code": ...}`, for every failure."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)


class BuddyError(Exception):
    """Base of every error a client may see: a status, a stable code and a sentence for people."""

    status_code: int = 400
    code: str = "bad_request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, code: str | None = None, status_code: int | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code


class NotFoundError(BuddyError):
    status_code = 404
    code = "not_found"


class InvalidInputError(BuddyError):
    status_code = 422
    code = "validation_error"


class PayloadTooLargeError(BuddyError):
    status_code = 413
    code = "payload_too_large"


class LimitExceededError(BuddyError):
    """A request over one of the configured limits; the message names the setting."""

    status_code = 422
    code = "limit_exceeded"


class RateLimitedError(BuddyError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class UnsupportedMediaTypeError(BuddyError):
    status_code = 415
    code = "unsupported_media_type"


class ServiceUnavailableError(BuddyError):
    status_code = 503
    code = "service_unavailable"


class StorageError(BuddyError):
    """The store failed in a way the caller cannot fix; details go to the log only."""

    status_code = 503
    code = "storage_unavailable"


# Codes for the statuses Starlette raises itself (routing, methods).
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}

_SAFE_HTTP_DETAILS = {
    404: "No such route. See /docs for the API.",
    405: "This route does not accept that HTTP method. See /docs for the API.",
}


class ErrorOut(BaseModel):
    """The body of every error response."""

    detail: str = Field(description="What went wrong, for people; never internals.")
    code: str = Field(description="Stable reason for programs, e.g. `not_found`.")


# What each error status means on this API, for the OpenAPI document.
_MEANINGS = {
    400: "The request cannot be served as sent (e.g. an empty message).",
    401: "An access key is required (production).",
    403: "The access key is not valid (production).",
    404: "Nothing has that id.",
    409: "The request conflicts with the current state (e.g. an index built by another embedder).",
    413: "The body is larger than the configured limit.",
    415: "The body is not JSON: send it with Content-Type: application/json.",
    422: "A parameter or the body is invalid; the detail names it.",
    429: "Too many requests; wait for the seconds in Retry-After.",
    500: "Something failed on our side; it has been logged.",
    502: "An upstream service (the model, a feed) answered with an error.",
    503: "A dependency (the store, NuGet, the embedder) is unavailable; try again later.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route really returns, in the one shape."""
    return {
        status: {"model": ErrorOut, "description": _MEANINGS.get(status, HTTPStatus(status).phrase)}
        for status in statuses
    }


def error_body(detail: str, code: str) -> dict[str, str]:
    return {"detail": detail, "code": code}


def _error_response(
    status_code: int, detail: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(detail, code), status_code=status_code, headers=headers)


async def _buddy_error(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, BuddyError):  # registered for that type only
        raise exc
    return _error_response(exc.status_code, exc.detail, exc.code, exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # registered for that type only
        raise exc
    status = exc.status_code
    code = _STATUS_CODES.get(status, "server_error" if status >= 500 else "bad_request")
    detail = _SAFE_HTTP_DETAILS.get(status)
    if detail is None:
        # Starlette's own details are short phrases; ours are passed as strings on purpose.
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    return _error_response(status, detail, code, dict(exc.headers or {}) or None)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        if error.get("type") == "json_invalid":
            # FastAPI puts the character offset where a field name would be.
            reason = str(error.get("ctx", {}).get("error", "malformed"))
            offset = error.get("loc", ("body", 0))[-1]
            parts.append(f"the body is not valid JSON ({reason} at character {offset})")
            continue
        location = ".".join(str(item) for item in error.get("loc", ()) if item != "body")
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    more = len(exc.errors()) - 5
    if more > 0:
        parts.append(f"and {more} more")
    return "Invalid request: " + "; ".join(parts)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for that type only
        raise exc
    return _error_response(422, _describe_validation(exc), "validation_error")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", path=request.url.path, error_type=type(exc).__name__, exc_info=exc)
    return _error_response(500, "Something went wrong on our side; it has been logged.", "internal")


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception a request can raise onto the one error shape."""
    app.add_exception_handler(BuddyError, _buddy_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
