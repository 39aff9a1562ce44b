"""OpenTelemetry tracing: one tracer provider per process, exporter chosen by settings.

Every exporter is wrapped in :class:`RedactingSpanExporter`: traces leave the process for a
collector whose retention and readers nobody here controls, and an erasure cannot reach
them, so no query string and no exception text (which can quote a message) is exported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Status
from opentelemetry.util.types import AttributeValue

from muninn_shared.settings import ServiceSettings

_provider: TracerProvider | None = None

# Attributes that hold nothing but a query string or a body.
_DROPPED_ATTRIBUTES = frozenset({"url.query", "http.request.body", "http.response.body"})
# What is kept of an exception event: its type says what failed, its message and stack trace
# can quote the input (a validation error shows the value it refused).
_KEPT_EXCEPTION_ATTRIBUTES = frozenset({"exception.type", "exception.escaped"})


def without_query(value: str) -> str:
    """``value`` cut before its query string or fragment, when it is a URL or a request target."""
    if value.startswith("/") or "://" in value:
        return value.split("?", 1)[0].split("#", 1)[0]
    return value


def _redacted(attributes: Mapping[str, AttributeValue] | None) -> dict[str, AttributeValue]:
    return {
        key: without_query(value) if isinstance(value, str) else value
        for key, value in (attributes or {}).items()
        if key not in _DROPPED_ATTRIBUTES
    }


def _redacted_event(event: Event) -> Event:
    attributes = _redacted(event.attributes)
    if event.name == "exception":
        attributes = {k: v for k, v in attributes.items() if k in _KEPT_EXCEPTION_ATTRIBUTES}
    return Event(event.name, attributes, event.timestamp)


def redact_span(span: ReadableSpan) -> ReadableSpan:
    """A copy of ``span`` without query strings, bodies or exception text."""
    return ReadableSpan(
        name=without_query(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_redacted(span.attributes),
        events=[_redacted_event(event) for event in span.events],
        links=span.links,
        kind=span.kind,
        # The description of an error status is the exception's text.
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanExporter(SpanExporter):
    """Exports through ``inner`` what :func:`redact_span` leaves of each span."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([redact_span(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _configured_exporter(settings: ServiceSettings) -> SpanExporter | None:
    if settings.otel_exporter == "console":
        return ConsoleSpanExporter()
    if settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otel_endpoint or "http://127.0.0.1:4318/v1/traces"
        return OTLPSpanExporter(endpoint=endpoint)
    return None


def configure_tracing(
    settings: ServiceSettings, *, exporter: SpanExporter | None = None
) -> TracerProvider:
    """Install (once) and return the process tracer provider.

    ``exporter`` replaces the one the settings choose (tests read spans in memory).
    """
    global _provider
    if _provider is not None:
        return _provider
    # With no exporter nothing would ever read a recorded span: spans are then not recorded,
    # but trace context still flows (traceparent upstream, into events and logs).
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"muninn-{settings.service_name}"}),
        sampler=ALWAYS_OFF if settings.otel_exporter == "none" else None,
    )
    chosen = exporter or _configured_exporter(settings)
    if chosen is not None:
        provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(chosen)))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, for the event envelope."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
