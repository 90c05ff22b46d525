"""OpenTelemetry setup, once per process. Spans always get real ids (the chat stream's
`span_id` is the root span's id); exporters to Phoenix/Arize plug in here."""

from __future__ import annotations

import threading

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from buddy import __version__

_lock = threading.Lock()
_configured = False


def setup_tracing() -> None:
    """Install an SDK tracer provider if none is set; safe to call from every app start."""
    global _configured  # noqa: PLW0603 - one provider per process by OpenTelemetry's design
    with _lock:
        if _configured:
            return
        resource = Resource.create(
            {"service.name": "csharp-ai-buddy", "service.version": __version__}
        )
        trace.set_tracer_provider(TracerProvider(resource=resource))
        _configured = True


def tracer() -> trace.Tracer:
    return trace.get_tracer("buddy")


def span_hex(span: trace.Span) -> tuple[str, str]:
    """(span_id as 16 lowercase hex, trace_id as 32 lowercase hex)."""
    context = span.get_span_context()
    return format(context.span_id, "016x"), format(context.trace_id, "032x")
