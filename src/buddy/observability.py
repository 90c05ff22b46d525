"""OpenTelemetry, set up once per process. Spans always get real ids (the chat stream's
`span_id` is the root `chat` span's id); each app adds its exporters (Phoenix, Arize) for the
life of its lifespan and flushes them when it stops."""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.util.types import AttributeValue

from buddy import __version__
from buddy.storage.records import Paged

if TYPE_CHECKING:
    from fastapi import FastAPI

    from buddy.config import Settings

SERVICE_NAME = "csharp-ai-buddy"
# The chat route makes its own root span (its id is the stream's span_id); health checks are noise.
_UNTRACED_URLS = "/health,/api/chat$"
_EXPORT_TIMEOUT_SECONDS = 10.0
# Spans reach Phoenix within about a second, so feedback sent right after an answer finds its span.
_EXPORT_DELAY_MS = 1000

T = TypeVar("T")
_lock = threading.Lock()
_provider: TracerProvider | None = None


class _ExportRouter(SpanProcessor):
    """The one processor on the process's provider: forwards ended spans to whichever
    exporters the running apps registered (the SDK's provider cannot remove a processor)."""

    def __init__(self) -> None:
        self._targets: tuple[SpanProcessor, ...] = ()
        self._lock = threading.Lock()

    def add(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._targets = (*self._targets, processor)

    def remove(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._targets = tuple(p for p in self._targets if p is not processor)

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        for target in self._targets:
            target.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for target in self._targets:
            target.on_end(span)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(target.force_flush(timeout_millis) for target in self._targets)


_router = _ExportRouter()


def setup_tracing() -> TracerProvider:
    """Install the SDK provider and the Agents SDK instrumentation; later calls reuse them."""
    global _provider  # noqa: PLW0603 - one provider per process by OpenTelemetry's design
    with _lock:
        if _provider is None:
            resource = Resource.create(
                {"service.name": SERVICE_NAME, "service.version": __version__}
            )
            provider = TracerProvider(resource=resource)
            provider.add_span_processor(_router)
            trace.set_tracer_provider(provider)
            _instrument_agents_sdk(provider)
            _provider = provider
        return _provider


def _instrument_agents_sdk(provider: TracerProvider) -> None:
    """Agent, LLM and tool spans from the Agents SDK become OpenTelemetry spans. The exclusive
    processor replaces the SDK's own, so nothing is ever sent to OpenAI's trace endpoint
    (`set_tracing_disabled(True)` would silence the spans this needs)."""
    from openinference.instrumentation.openai_agents import (  # noqa: PLC0415 - heavy, once
        OpenAIAgentsInstrumentor,
    )

    OpenAIAgentsInstrumentor().instrument(tracer_provider=provider, exclusive_processor=True)


def span_exporters(settings: Settings) -> dict[str, SpanExporter]:
    """The trace destinations the settings name, by name; none means spans stay in process."""
    exporters: dict[str, SpanExporter] = {}
    if settings.phoenix_collector_endpoint:
        headers = {}
        if settings.phoenix_api_key:
            headers["authorization"] = f"Bearer {settings.phoenix_api_key.get_secret_value()}"
        exporters["phoenix"] = _ProjectExporter(
            OTLPSpanExporter(
                endpoint=settings.phoenix_collector_endpoint.rstrip("/") + "/v1/traces",
                headers=headers,
                timeout=_EXPORT_TIMEOUT_SECONDS,
            ),
            settings.phoenix_project_name,
        )
    if settings.arize_space_id and settings.arize_api_key:
        exporters["arize"] = _ProjectExporter(
            OTLPSpanExporter(
                endpoint=settings.arize_otlp_endpoint,
                headers={
                    "space_id": settings.arize_space_id,
                    "api_key": settings.arize_api_key.get_secret_value(),
                },
                timeout=_EXPORT_TIMEOUT_SECONDS,
            ),
            settings.arize_project_name,
        )
    return exporters


class _ProjectExporter(SpanExporter):
    """Stamps the destination's project on each span's resource: Phoenix and Arize file spans
    under `openinference.project.name`, and one process may serve both with different names."""

    def __init__(self, inner: SpanExporter, project: str) -> None:
        self._inner = inner
        self._extra = Resource({"openinference.project.name": project, "model_id": project})

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        stamped = [_with_resource(span, span.resource.merge(self._extra)) for span in spans]
        return self._inner.export(stamped)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _with_resource(span: ReadableSpan, resource: Resource) -> ReadableSpan:
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=resource,
        attributes=span.attributes,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


@contextmanager
def exporting(settings: Settings) -> Iterator[list[str]]:
    """For an app's lifespan: batch-export its spans, then flush what is queued at shutdown."""
    setup_tracing()
    exporters = span_exporters(settings)
    processors = [
        BatchSpanProcessor(
            exporter,
            max_queue_size=settings.trace_queue_size,
            schedule_delay_millis=_EXPORT_DELAY_MS,
        )
        for exporter in exporters.values()
    ]
    for processor in processors:
        _router.add(processor)
    try:
        yield list(exporters)
    finally:
        for processor in processors:
            _router.remove(processor)
            processor.shutdown()  # type: ignore[no-untyped-call]  # flushes the queue first


def instrument_app(app: FastAPI) -> None:
    """A server span per request (the JSON routes' attributes land on it)."""
    from opentelemetry.instrumentation.fastapi import (  # noqa: PLC0415 - only when serving
        FastAPIInstrumentor,
    )

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=setup_tracing(), excluded_urls=_UNTRACED_URLS
    )


def tracer() -> trace.Tracer:
    return trace.get_tracer("buddy")


def annotate(attributes: Mapping[str, AttributeValue]) -> None:
    """Add attributes to the request's current span (a no-op outside a recorded span)."""
    trace.get_current_span().set_attributes(attributes)


async def in_span(span: trace.Span, events: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Pull each item with `span` current, so work the iterator starts (tasks, tool calls,
    retrieval) becomes its child. Attached and detached within each step: the consumer may
    pull every step from a different task."""
    span_context = trace.set_span_in_context(span)
    iterator = events.__aiter__()
    while True:
        token = otel_context.attach(span_context)
        try:
            item = await iterator.__anext__()
        except StopAsyncIteration:
            return
        finally:
            otel_context.detach(token)
        yield item


def annotate_listing(search: str | None, page: Paged[Any]) -> None:
    """The attributes every list route reports, so slow or empty searches can be found."""
    annotate(
        {
            "search_query": search or "",
            "page": page.page,
            "page_size": page.page_size,
            "total_results": page.total,
            "returned_results": len(page.items),
        }
    )


def current_trace_id() -> str:
    """The current trace's id for log lines ("" outside a recorded span)."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def span_hex(span: trace.Span) -> tuple[str, str]:
    """(span_id as 16 lowercase hex, trace_id as 32 lowercase hex)."""
    context = span.get_span_context()
    return format(context.span_id, "016x"), format(context.trace_id, "032x")
