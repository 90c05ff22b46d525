"""The route class every API router uses: it refuses, before any endpoint runs, input that
no store, tracer or model client could keep.

- NUL characters, in the body, the path or the query: MongoDB cannot encode a field name
  holding one, C libraries cut text at one, and no person types one.
- Unpaired surrogates, and URLs whose escapes are not UTF-8: such text cannot be encoded as
  UTF-8, so any later write of it fails (or, in a URL, it silently turns into U+FFFD).
- A body that is not JSON in UTF-8 (JSON's only encoding on the wire), is nested deeper than
  the parser can follow, or holds NaN, Infinity or numbers beyond 64 bits (MongoDB cannot
  store a larger integer; the others are not JSON, though Python's parser takes them).

Each case gets a 415 or 422 in the one error shape instead of a confusing validation list, a
stored oddity, or a 500 from a backend.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from buddy.errors import InvalidInputError, UnsupportedMediaTypeError

_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")
_UNSAFE_BODY = "Invalid request: the body may not contain NUL characters or unpaired surrogates."
_UNSTORABLE_NUMBER = (
    "Invalid request: numbers in the body must be finite and fit in 64 bits "
    "(NaN and Infinity are not JSON)."
)
_INT64_DIGITS = 19
_UNSAFE_URL = "Invalid request: the URL may only hold UTF-8 text without NUL characters."


def holds_unsafe_text(value: object) -> bool:
    """True when a string anywhere in a decoded JSON value, keys included, is unsafe."""
    pending: list[object] = [value]
    while pending:  # a loop, not recursion: the nesting depth is the client's choice
        item = pending.pop()
        if isinstance(item, str):
            if _UNSAFE_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or an `application/*+json` type, parameters ignored."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class _UnstorableNumber(ValueError):
    """A JSON number outside what every store keeps exactly."""


def _int64(text: str) -> int:
    # Checked on the digits first: int() of a huge digit string is slow, and MongoDB (BSON)
    # cannot store an integer beyond 64 bits at all.
    if len(text.lstrip("-")) > _INT64_DIGITS or not -(2**63) <= (value := int(text)) < 2**63:
        raise _UnstorableNumber(text)
    return value


def _finite(text: str) -> float:
    value = float(text)  # 1e999 parses as infinity
    if not math.isfinite(value):
        raise _UnstorableNumber(text)
    return value


def _not_json(text: str) -> object:
    raise _UnstorableNumber(text)  # NaN and Infinity: Python accepts them, JSON does not


class CheckedRequest(Request):
    """A request whose JSON body is decoded strictly (see the module docstring)."""

    async def json(self) -> Any:
        # FastAPI passes an HTTPException raised here through unchanged; any other error
        # while reading the body would become a vague 400.
        try:
            text = (await self.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(422, "Invalid request: the body is not UTF-8 text.") from None
        try:
            # A JSONDecodeError is left to FastAPI, which reports it as a 422.
            value = json.loads(
                text, parse_int=_int64, parse_float=_finite, parse_constant=_not_json
            )
        except RecursionError:
            raise HTTPException(422, "Invalid request: the body is nested too deeply.") from None
        except _UnstorableNumber:
            raise HTTPException(422, _UNSTORABLE_NUMBER) from None
        if holds_unsafe_text(value):
            raise HTTPException(422, _UNSAFE_BODY)
        return value


class CheckedRoute(APIRoute):
    """Checks the path, the query and the body's media type, then reads the body strictly."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        takes_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            strict = CheckedRequest(request.scope, request.receive)
            if _url_holds_unsafe_text(strict):
                raise InvalidInputError(_UNSAFE_URL)
            if takes_body:
                await _require_json(strict)
            return await handle(strict)

        return checked


def _url_holds_unsafe_text(request: Request) -> bool:
    """Read from the raw bytes: the decoded path and query have invalid UTF-8 replaced."""
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    for raw in (raw_path, request.scope.get("query_string", b"")):
        try:
            text = unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return True
        if _UNSAFE_TEXT.search(text):
            return True
    return False


async def _require_json(request: Request) -> None:
    """A body sent as anything but JSON is refused with 415; an absent body is left to the
    route's validation, which names the missing fields."""
    content_type = request.headers.get("content-type")
    sent_body = content_type is not None or bool(await request.body())
    if sent_body and not is_json_media_type(content_type or ""):
        raise UnsupportedMediaTypeError(
            "The body must be JSON, sent with Content-Type: application/json."
        )
