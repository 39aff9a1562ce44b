"""The retry policy and the SSE framing, on their own."""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from muninn_conversation.providers.errors import error_detail, status_label
from muninn_conversation.providers.models import (
    Completion,
    ProviderError,
    StreamEvent,
    TextDelta,
    Usage,
)
from muninn_conversation.providers.retry import RetryPolicy, parse_retry_after, with_retries
from muninn_conversation.providers.sse import ServerSentEvent, iter_events


async def lines(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item


async def events_of(*items: str) -> list[ServerSentEvent]:
    return [event async for event in iter_events(lines(*items))]


async def test_sse_framing_follows_the_spec() -> None:
    assert await events_of(
        ": keep-alive comment",
        "event: message_start",
        'data: {"a":',
        "data: 1}",
        "id: 7",
        "",
        "",
        "data:no-space",
        "",
        "data: [DONE]",
    ) == [
        ServerSentEvent("message_start", '{"a":\n1}'),
        ServerSentEvent("message", "no-space"),
        ServerSentEvent("message", "[DONE]"),  # unterminated final event is still passed on
    ]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(base_seconds=1, max_seconds=5, rng=random.Random(7))
    for retry, (low, high) in enumerate([(0.5, 1), (1, 2), (2, 4), (2.5, 5), (2.5, 5)]):
        delay = policy.delay(retry, None)
        assert delay is not None
        assert low <= delay <= high


def test_retry_after_is_honoured_up_to_the_limit() -> None:
    policy = RetryPolicy(max_seconds=10, rng=random.Random(1))
    delay = policy.delay(0, 4)
    assert delay is not None
    assert 4 <= delay <= 4.4
    assert policy.delay(0, 11) is None


def test_retry_after_forms() -> None:
    assert parse_retry_after(httpx.Headers({"retry-after": "12"})) == 12
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250", "retry-after": "12"})) == 0.25
    assert parse_retry_after(httpx.Headers({})) is None
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    seconds = parse_retry_after(httpx.Headers({"retry-after": when}))
    assert seconds is not None
    assert 80 <= seconds <= 90


def test_error_bodies_of_the_various_servers() -> None:
    assert error_detail(b'{"error": {"message": "bad key", "type": "x"}}') == "bad key"
    assert error_detail(b'{"error": "model \'llama9\' not found"}') == "model 'llama9' not found"
    assert (
        error_detail(b'{"object": "error", "message": "context too long", "code": 400}')
        == "context too long"
    )
    assert error_detail(b'{"detail": "Not Found"}') == "Not Found"
    assert error_detail(b"<html><body>502</body></html>") == ""
    assert error_detail(b"upstream   connect\nerror") == "upstream connect error"
    assert len(error_detail(b"x" * 1000)) == 300
    assert status_label(529) == "529 Overloaded"
    assert status_label(503) == "503 Service Unavailable"


def test_provider_error_kinds_from_status_or_flag() -> None:
    assert ProviderError("x", provider="p", status=429).kind == "rate_limited"
    assert ProviderError("x", provider="p", status=503).retryable is True
    assert ProviderError("x", provider="p", status=400).retryable is False
    assert ProviderError("x", provider="p", retryable=True).retryable is True
    assert ProviderError("x", provider="p", kind="timeout", retryable=False).retryable is False


async def drain(stream: AsyncIterator[StreamEvent], into: list[StreamEvent]) -> None:
    async for event in stream:
        into.append(event)


DONE = Completion(
    finish_reason="stop",
    usage=Usage(input_tokens=1, output_tokens=1, estimated=False),
    model="m",
    provider="p",
)


async def test_retries_stop_once_text_has_been_yielded() -> None:
    attempts = 0
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def attempt() -> AsyncGenerator[StreamEvent, None]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ProviderError("busy", provider="p", kind="unavailable")
        yield TextDelta(text="Hi")
        raise ProviderError("dropped", provider="p", kind="connection")

    received: list[StreamEvent] = []
    stream = with_retries(attempt, RetryPolicy(max_retries=5, sleep=sleep), provider="p")
    with pytest.raises(ProviderError, match=r"^dropped$"):
        await drain(stream, received)
    assert attempts == 2
    assert len(waits) == 1
    assert received == [TextDelta(text="Hi")]


async def test_no_retries_configured_means_the_first_error_as_is() -> None:
    async def attempt() -> AsyncGenerator[StreamEvent, None]:
        raise ProviderError("busy", provider="p", kind="unavailable")
        yield DONE  # pragma: no cover - makes this an async generator

    with pytest.raises(ProviderError, match=r"^busy$"):
        await drain(with_retries(attempt, RetryPolicy(max_retries=0), provider="p"), [])
