from __future__ import annotations

import re

import pytest
from muninn_shared.settings import ServiceSettings
from muninn_shared.telemetry import configure_tracing, current_traceparent

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def test_without_an_exporter_spans_are_not_recorded_but_context_still_flows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import muninn_shared.telemetry as telemetry

    monkeypatch.setattr(telemetry, "_provider", None)
    monkeypatch.setattr(telemetry.trace, "set_tracer_provider", lambda provider: None)
    provider = configure_tracing(ServiceSettings(service_name="memory", otel_exporter="none"))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        assert not span.is_recording()
        parent = current_traceparent()
        assert parent is not None
        assert TRACEPARENT.match(parent), parent
        with tracer.start_as_current_span("child") as child:
            assert child.get_span_context().trace_id == span.get_span_context().trace_id


def test_with_an_exporter_spans_are_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    import muninn_shared.telemetry as telemetry

    monkeypatch.setattr(telemetry, "_provider", None)
    monkeypatch.setattr(telemetry.trace, "set_tracer_provider", lambda provider: None)
    provider = configure_tracing(ServiceSettings(service_name="memory", otel_exporter="console"))
    with provider.get_tracer("test").start_as_current_span("request") as span:
        assert span.is_recording()
    provider.shutdown()


async def test_exported_spans_carry_no_query_string_nor_exception_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx
    import muninn_shared.telemetry as telemetry
    from fastapi import APIRouter
    from muninn_shared.http.app import create_service_app
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    monkeypatch.setattr(telemetry, "_provider", None)
    monkeypatch.setattr(telemetry.trace, "set_tracer_provider", lambda provider: None)
    exported = InMemorySpanExporter()
    provider = configure_tracing(
        ServiceSettings(service_name="memory", otel_exporter="otlp"), exporter=exported
    )
    router = APIRouter()

    @router.get("/v1/memories/{memory_id}")
    async def read(memory_id: str, q: str) -> dict[str, int]:
        return {"length": len(q)}

    @router.post("/v1/memories")
    async def remember() -> None:
        raise ValueError("could not remember 'my sister Ingrid lives in Bergen'")

    app = create_service_app(
        service="memory", title="t", description="t", routers=[router], tracer_provider=provider
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://memory:8083") as client:
        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)
        read_back = await client.get("/v1/memories/m1", params={"q": "where does Ingrid live"})
        failed = await client.post("/v1/memories?token=Ingrid-secret")
    assert read_back.status_code == 200
    assert failed.status_code == 500
    provider.force_flush()
    spans = exported.get_finished_spans()
    scopes = {span.instrumentation_scope.name for span in spans if span.instrumentation_scope}
    assert "opentelemetry.instrumentation.httpx" in scopes
    assert "opentelemetry.instrumentation.fastapi" in scopes

    text = repr(
        [
            (
                span.name,
                dict(span.attributes or {}),
                [(event.name, dict(event.attributes or {})) for event in span.events],
                span.status.description,
            )
            for span in spans
        ]
    )
    assert "Ingrid" not in text
    assert "?" not in text
    values = [str(v) for span in spans for v in (span.attributes or {}).values()]
    assert any(v.endswith("/v1/memories/m1") for v in values), "the path is kept"
    exceptions = [event for span in spans for event in span.events if event.name == "exception"]
    assert exceptions, "the failure is still recorded, by type"
    assert all(dict(e.attributes or {}).get("exception.type") for e in exceptions)
    provider.shutdown()
