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
