"""LLM metrics around a generation: tokens, duration by outcome, errors by kind, per provider."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from muninn_conversation.providers.metering import metered_stream
from muninn_conversation.providers.models import (
    ChatMessage,
    GenerationRequest,
    ProviderError,
    StreamEvent,
)
from muninn_conversation.providers.offline import OfflineProvider
from muninn_shared.events.payloads import ModelCallRecorded
from muninn_shared.metrics import configure_metrics
from muninn_shared.model_calls import ModelCallRecorder
from muninn_shared.settings import ServiceSettings
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families


@pytest.fixture(autouse=True)
def installed() -> None:
    configure_metrics(ServiceSettings(service_name="conversation", log_level="WARNING"))


def value(name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def request() -> GenerationRequest:
    return GenerationRequest(
        messages=[ChatMessage(role="user", content="What should I cook tonight?")],
        model="offline",
        user_id="user-3c9e1f",
    )


async def test_the_offline_responder_records_tokens_and_duration() -> None:
    provider = OfflineProvider(name="offline-metered")
    before_in = value("muninn_llm_tokens_total", provider="offline-metered", direction="input")
    before_out = value("muninn_llm_tokens_total", provider="offline-metered", direction="output")
    timed = {"provider": "offline-metered", "outcome": "ok"}
    before_count = value("muninn_llm_duration_seconds_count", **timed)
    events = [event async for event in metered_stream(provider, request())]
    usage = events[-1].usage  # type: ignore[union-attr]
    after_in = value("muninn_llm_tokens_total", provider="offline-metered", direction="input")
    after_out = value("muninn_llm_tokens_total", provider="offline-metered", direction="output")
    assert after_in - before_in == usage.input_tokens > 0
    assert after_out - before_out == usage.output_tokens > 0
    assert value("muninn_llm_duration_seconds_count", **timed) == before_count + 1
    text = generate_latest(REGISTRY).decode()
    assert "user-3c9e1f" not in text


class FailingProvider:
    name = "failing-metered"
    models = ["m"]

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        raise ProviderError("overloaded", provider=self.name, status=503)
        yield  # pragma: no cover - makes this an async generator


async def test_a_failed_generation_counts_an_error_by_kind() -> None:
    labels = {"provider": "failing-metered", "kind": "unavailable"}
    before = value("muninn_llm_errors_total", **labels)
    with pytest.raises(ProviderError):
        async for _ in metered_stream(FailingProvider(), request()):  # type: ignore[arg-type]
            pass
    assert value("muninn_llm_errors_total", **labels) == before + 1
    assert (
        value("muninn_llm_duration_seconds_count", provider="failing-metered", outcome="error") >= 1
    )


class Recorded:
    def __init__(self) -> None:
        self.calls: list[ModelCallRecorded] = []

    async def __call__(self, call: ModelCallRecorded) -> None:
        self.calls.append(call)


async def test_each_generation_is_one_chat_call_of_the_user_who_asked() -> None:
    recorded = Recorded()
    calls = ModelCallRecorder("conversation", recorded)
    events = [
        e async for e in metered_stream(OfflineProvider(), request(), calls=calls, context="family")
    ]
    usage = events[-1].usage  # type: ignore[union-attr]
    (call,) = recorded.calls
    assert (call.user_id, call.feature, call.context) == ("user-3c9e1f", "chat", "family")
    assert (call.provider, call.endpoint, call.model) == ("offline", "chat/completions", "offline")
    assert (call.prompt_tokens, call.completion_tokens) == (usage.input_tokens, usage.output_tokens)
    assert call.tokens_reported is not usage.estimated
    assert call.success

    with pytest.raises(ProviderError):
        async for _ in metered_stream(FailingProvider(), request(), calls=calls):  # type: ignore[arg-type]
            pass
    failed = recorded.calls[-1]
    assert (failed.success, failed.error_code) == (False, "provider_unavailable")
    assert failed.total_tokens == 0
