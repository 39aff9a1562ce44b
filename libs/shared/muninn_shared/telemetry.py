"""OpenTelemetry tracing: one tracer provider per process, exporter chosen by settings."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from muninn_shared.settings import ServiceSettings

_provider: TracerProvider | None = None


def configure_tracing(settings: ServiceSettings) -> TracerProvider:
    """Install (once) and return the process tracer provider."""
    global _provider
    if _provider is not None:
        return _provider
    # With no exporter nothing would ever read a recorded span: spans are then not recorded,
    # but trace context still flows (traceparent upstream, into events and logs).
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"muninn-{settings.service_name}"}),
        sampler=ALWAYS_OFF if settings.otel_exporter == "none" else None,
    )
    if settings.otel_exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otel_endpoint or "http://127.0.0.1:4318/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, for the event envelope."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
