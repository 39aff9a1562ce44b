"""Model calls: measured every time, recorded once for the user they served, never failing
the call they describe."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from muninn_shared.events.catalogue import spec_for
from muninn_shared.events.payloads import ModelCallRecorded
from muninn_shared.events.trust import untrusted_because
from muninn_shared.llm import ChatEndpoint, ChatEndpointError
from muninn_shared.metrics import configure_metrics
from muninn_shared.model_calls import (
    ModelCallRecorder,
    act_for,
    acting_for,
    error_code_of,
    on_behalf_of,
    outbox_recorder,
    provider_of,
)
from muninn_shared.settings import ServiceSettings
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families


@pytest.fixture(autouse=True)
def installed() -> None:
    configure_metrics(ServiceSettings(service_name="memory", log_level="WARNING"))


def metric(name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


class Collected:
    def __init__(self) -> None:
        self.calls: list[ModelCallRecorded] = []

    async def __call__(self, call: ModelCallRecorded) -> None:
        self.calls.append(call)


def endpoint(
    handler: Any, collected: Collected, *, feature: str = "memory_extraction"
) -> ChatEndpoint:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ChatEndpoint(
        http,
        base_url="http://llm.internal:8000/v1",
        model="tiny-1",
        recorder=ModelCallRecorder("memory", collected),
        feature=feature,
    )


def answer(text: str, usage: dict[str, int] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": text}}]}
    if usage is not None:
        body["usage"] = usage
    return httpx.Response(200, json=body)


async def test_a_call_for_a_user_is_recorded_once_with_its_tokens_and_outcome() -> None:
    collected = Collected()
    chat = endpoint(
        lambda request: answer("{}", {"prompt_tokens": 120, "completion_tokens": 7}), collected
    )
    labels = {
        "provider": "llm.internal",
        "endpoint": "chat/completions",
        "feature": "memory_extraction",
    }
    calls_before = metric("muninn_model_calls_total", **labels, outcome="ok")
    tokens_before = metric("muninn_model_tokens_total", **labels, direction="input")
    with on_behalf_of("user-1", "work"):
        assert await chat.complete({"messages": []}) == "{}"
    (call,) = collected.calls
    assert (call.user_id, call.service, call.context) == ("user-1", "memory", "work")
    assert (call.provider, call.endpoint, call.model, call.feature) == (
        "llm.internal",
        "chat/completions",
        "tiny-1",
        "memory_extraction",
    )
    assert (call.prompt_tokens, call.completion_tokens, call.total_tokens) == (120, 7, 127)
    assert call.success
    assert call.error_code is None
    assert call.tokens_reported
    assert call.latency_ms >= 0
    assert metric("muninn_model_calls_total", **labels, outcome="ok") == calls_before + 1
    assert metric("muninn_model_tokens_total", **labels, direction="input") == tokens_before + 120


async def test_a_failed_call_is_recorded_with_its_error_code_and_still_raises() -> None:
    collected = Collected()
    chat = endpoint(lambda request: httpx.Response(429, text="slow down"), collected)
    with on_behalf_of("user-2"), pytest.raises(ChatEndpointError):
        await chat.complete({"messages": []}, feature="scheduler_language")
    (call,) = collected.calls
    assert not call.success
    assert call.error_code == "http_429"
    assert call.feature == "scheduler_language"
    assert not call.tokens_reported
    assert call.total_tokens == 0


async def test_an_unreachable_provider_is_a_failed_call() -> None:
    collected = Collected()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    chat = endpoint(refuse, collected)
    with on_behalf_of("user-3"), pytest.raises(httpx.ConnectError):
        await chat.complete({"messages": []})
    assert [c.error_code for c in collected.calls] == ["unreachable"]


async def test_calls_for_no_one_are_measured_but_not_recorded() -> None:
    collected = Collected()
    chat = endpoint(lambda request: answer("ok"), collected, feature="reembedding")
    labels = {"provider": "llm.internal", "endpoint": "chat/completions", "feature": "reembedding"}
    before = metric("muninn_model_calls_total", **labels, outcome="ok")
    assert acting_for() is None
    await chat.complete({"messages": []})
    assert collected.calls == []
    assert metric("muninn_model_calls_total", **labels, outcome="ok") == before + 1


async def test_a_failing_sink_never_fails_the_call() -> None:
    async def broken(call: ModelCallRecorded) -> None:
        raise RuntimeError("database down")

    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: answer("fine")))
    chat = ChatEndpoint(
        http, base_url="http://x/v1", model="m", recorder=ModelCallRecorder("memory", broken)
    )
    with on_behalf_of("user-4"):
        assert await chat.complete({"messages": []}) == "fine"


async def test_attribution_belongs_to_its_task() -> None:
    seen: dict[str, str | None] = {}

    async def request(user: str) -> None:
        act_for(user)
        await asyncio.sleep(0)
        attribution = acting_for()
        seen[user] = attribution.user_id if attribution else None

    await asyncio.gather(request("a"), request("b"))
    assert seen == {"a": "a", "b": "b"}
    assert acting_for() is None


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list[Any] = []

    async def put(self, event: Any, session: Any) -> None:
        assert session is None, "a usage record is written outside the caller's transaction"
        self.events.append(event)


async def test_the_outbox_recorder_emits_a_trusted_usage_event() -> None:
    outbox = FakeOutbox()
    recorder = outbox_recorder("scheduler.model_call.recorded", outbox)  # type: ignore[arg-type]
    with on_behalf_of("user-5"):
        async with recorder.call(
            provider="openai", endpoint="chat/completions", model="gpt-4o-mini", feature="plans"
        ) as call:
            call.tokens(10, 2)
    (event,) = outbox.events
    assert event.type == "scheduler.model_call.recorded"
    assert (event.source, event.subject) == ("scheduler", "user-5")
    assert spec_for(event.type).topic.value == "muninn.scheduler.model-calls"
    assert untrusted_because(event) is None
    assert event.data["total_tokens"] == 12


def test_only_a_model_call_record_makes_a_recorder() -> None:
    with pytest.raises(ValueError, match="not a model call record"):
        outbox_recorder("scheduler.timer.fired", FakeOutbox())  # type: ignore[arg-type]


def test_names() -> None:
    assert provider_of("https://api.openai.com/v1") == "openai"
    assert provider_of("https://api.anthropic.com") == "anthropic"
    assert provider_of("http://127.0.0.1:11434/v1") == "127.0.0.1"
    assert error_code_of(httpx.ReadTimeout("slow")) == "timeout"
    assert error_code_of(ValueError("x")) == "value_error"
