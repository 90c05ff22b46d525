"""Structured logging: one event name plus fields, secrets redacted before anything is written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRET_FIELD = re.compile(r"(key|secret|token|password|authorization|cookie)", re.IGNORECASE)
# Credentials inside URLs (mongodb+srv://user:pass@host) and bearer-style tokens in free text.
# Credentials inside URLs (user:pass@, token@) and secret-looking query parameters.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^\s/?#@]+@", re.I)
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&](?:[\w-]*(?:key|token|secret|password|sig|signature|auth)[\w-]*)=)[^&\s#]+",
    re.I,
)
_TOKEN_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_-]{8,}|Bearer\s+[A-Za-z0-9._-]{8,})")


def redact_text(text: str) -> str:
    """Mask credentials in URLs, secret query parameters and API-key-looking tokens."""
    text = _URL_CREDENTIALS.sub(r"\g<scheme>****@", text)
    text = _SECRET_PARAM.sub(r"\g<name>****", text)
    return _TOKEN_LIKE.sub("****", text)


def _redact(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for name, value in list(event.items()):
        if name != "event" and _SECRET_FIELD.search(name) and value not in (None, ""):
            event[name] = "****"
        elif isinstance(value, str):
            event[name] = redact_text(value)
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Set up structlog and route the standard library's loggers (uvicorn's too) through it."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact,  # again: tracebacks exist only from here on
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
