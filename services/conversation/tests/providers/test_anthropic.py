"""The Anthropic adapter against a fake server speaking the Messages streaming events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from muninn_conversation.providers.anthropic import AnthropicProvider, split_system
from muninn_conversation.providers.config import ProviderConfig
from muninn_conversation.providers.models import (
    ChatMessage,
)
from muninn_conversation.providers.retry import RetryPolicy
from pydantic import SecretStr

MODEL = "claude-sonnet-4-5-20250929"


def message_start(
    message_id: str, input_tokens: int, *, cache_creation: int = 0, cache_read: int = 0
) -> dict[str, Any]:
    """The ``message_start`` event's data: the message, still empty, and the prompt's usage."""
    return {
        "type": "message_start",
        "message": {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": MODEL,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "cache_creation_input_tokens": cache_creation,
                "cache_read_input_tokens": cache_read,
                "output_tokens": 1,
            },
        },
    }


def text_delta(text: str) -> dict[str, Any]:
    return {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": text},
    }


def message_delta(stop_reason: str, output_tokens: int) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }


@pytest.fixture
def events(sse: Callable[..., bytes]) -> Callable[..., list[bytes]]:
    """A stream exactly as the Messages API sends it, event line then data line."""

    def build(
        texts: list[str],
        *,
        stop_reason: str = "end_turn",
        input_tokens: int = 25,
        output_tokens: int = 15,
        end: bool = True,
    ) -> list[bytes]:
        out = [
            sse(
                message_start("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", input_tokens),
                "message_start",
            ),
            sse(
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
                "content_block_start",
            ),
            sse({"type": "ping"}, "ping"),
        ]
        out += [sse(text_delta(text), "content_block_delta") for text in texts]
        if not end:
            return out
        out += [
            sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
            sse(message_delta(stop_reason, output_tokens), "message_delta"),
            sse({"type": "message_stop"}, "message_stop"),
        ]
        return out

    return build


@pytest.fixture
def anthropic(
    anthropic_server: Any,
    make_config: Callable[..., ProviderConfig],
    retry: RetryPolicy,
    adapter_under_test: Callable[..., Any],
) -> Any:
    """The adapter against the fake Messages server, bundled with it and the retry waits."""
    config = make_config(
        name="anthropic",
        kind="anthropic",
        base_url=anthropic_server.root,
        api_key=SecretStr("sk-ant-test"),
        default_model="claude-sonnet-4-5",
        anthropic_version="2023-06-01",
        max_output_tokens=4096,
    )
    return adapter_under_test(
        AnthropicProvider(config, retry=retry, timeout_seconds=0.5), anthropic_server
    )


def overloaded_event(sse: Callable[..., bytes]) -> bytes:
    """The error event the Messages API streams when the model is overloaded."""
    return sse(
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error"
    )


async def test_streams_the_real_event_sequence_and_sends_the_documented_request(
    anthropic: Any, events: Any
) -> None:
    anthropic.server.then(anthropic.server.stream(events(["Hello", "! How", " can I help?"])))

    deltas, completion = await anthropic.reply(
        ("system", "You are Muninn."),
        ("user", "Hi"),
        ("assistant", "Hello."),
        ("user", "Help me plan Friday."),
        model="claude-sonnet-4-5",
        temperature=0.4,
    )

    assert deltas == ["Hello", "! How", " can I help?"]
    assert completion.finish_reason == "stop"
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (25, 15)
    assert completion.usage.estimated is False
    assert completion.model == MODEL
    assert completion.provider == "anthropic"
    [sent] = anthropic.server.requests
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "sk-ant-test"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent.headers
    assert sent.body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 4096,
        "stream": True,
        "system": "You are Muninn.",
        "temperature": 0.4,
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Help me plan Friday."},
        ],
    }


async def test_request_limits_are_passed_and_temperature_kept_in_range(
    anthropic: Any, events: Any
) -> None:
    anthropic.server.then(anthropic.server.stream(events(["ok"], stop_reason="max_tokens")))
    _, completion = await anthropic.reply(("user", "hi"), max_tokens=50, temperature=1.8)
    body = anthropic.server.requests[0].body
    assert body["max_tokens"] == 50
    assert body["temperature"] == 1.0
    assert "system" not in body
    assert completion.finish_reason == "length"


def test_turns_alternate_and_start_with_the_user() -> None:
    system, turns = split_system(
        [
            ChatMessage(role="system", content="Persona."),
            ChatMessage(role="assistant", content="Earlier answer."),
            ChatMessage(role="system", content="Memories."),
            ChatMessage(role="user", content="One."),
            ChatMessage(role="user", content="Two."),
            ChatMessage(role="tool", content="42", name="calc"),
            ChatMessage(role="assistant", content="  "),
        ]
    )
    assert system == "Persona.\n\nMemories."
    assert turns == [
        {"role": "user", "content": "(Earlier messages of this conversation are omitted.)"},
        {"role": "assistant", "content": "Earlier answer."},
        {"role": "user", "content": "One.\n\nTwo.\n\n[Output of tool calc]\n42"},
    ]


async def test_overloaded_event_before_any_text_is_retried(
    anthropic: Any, events: Any, sse: Any
) -> None:
    anthropic.server.then(
        anthropic.server.stream([overloaded_event(sse)]),
        anthropic.server.stream(events(["Recovered"])),
    )
    deltas, _ = await anthropic.reply()
    assert deltas == ["Recovered"]
    assert len(anthropic.server.requests) == 2
    assert len(anthropic.sleeps.waits) == 1


async def test_error_event_mid_reply_is_reported_not_retried(
    anthropic: Any, events: Any, sse: Any
) -> None:
    anthropic.server.default = anthropic.server.stream(
        [*events(["Partial"], end=False), overloaded_event(sse)]
    )
    received: list[str] = []

    error = await anthropic.failure_after(received)

    assert received == ["Partial"]
    assert str(error) == (
        "The model provider 'anthropic' reported an error mid-reply (overloaded_error): Overloaded"
    )
    assert error.retryable is True
    assert len(anthropic.server.requests) == 1


async def test_overloaded_status_exhausts_retries(anthropic: Any) -> None:
    anthropic.server.default = anthropic.server.status(
        529,
        {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"},
            "request_id": "req_1",
        },
    )
    error = await anthropic.failure()
    assert str(error) == (
        "The model provider 'anthropic' is unavailable (529 Overloaded): Overloaded (gave up after 3 attempts)"
    )
    assert error.status == 529
    assert len(anthropic.server.requests) == 3
    assert len(anthropic.sleeps.waits) == 2


async def test_rate_limit_with_retry_after_then_success(anthropic: Any, events: Any) -> None:
    anthropic.server.then(
        anthropic.server.status(
            429,
            {
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "Number of request tokens has exceeded your per-minute rate limit",
                },
            },
            headers={"retry-after": "7"},
        ),
        anthropic.server.stream(events(["Fine"])),
    )
    deltas, _ = await anthropic.reply()
    assert deltas == ["Fine"]
    [wait] = anthropic.sleeps.waits
    assert 7.0 <= wait <= 7.7


async def test_bad_key_is_not_retried(anthropic: Any) -> None:
    anthropic.server.default = anthropic.server.status(
        401,
        {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        },
    )
    error = await anthropic.failure()
    assert (
        str(error)
        == "The model provider 'anthropic' rejected the request (401 Unauthorized): invalid x-api-key"
    )
    assert error.retryable is False
    assert len(anthropic.server.requests) == 1
    assert anthropic.sleeps.waits == []


async def test_stream_without_message_stop_is_incomplete(anthropic: Any, events: Any) -> None:
    anthropic.server.default = anthropic.server.stream(events(["Cut"], end=False))
    assert (
        str(await anthropic.failure())
        == "The model provider 'anthropic' closed the stream before the reply was complete"
    )


async def test_timeout_before_the_first_event(anthropic: Any) -> None:
    anthropic.server.default = anthropic.server.hang()
    error = await anthropic.failure()
    assert str(error) == "The model provider 'anthropic' did not answer within 0.5 s"
    assert len(anthropic.server.requests) == 1


async def test_malformed_event_data(anthropic: Any) -> None:
    anthropic.server.default = anthropic.server.stream([b"event: message_start\ndata: <html>\n\n"])
    error = await anthropic.failure()
    assert error.kind == "protocol"
    assert "malformed stream" in str(error)


async def test_no_user_message_is_rejected_before_calling(anthropic: Any) -> None:
    error = await anthropic.failure(("system", "only a prompt"))
    assert error.retryable is False
    assert anthropic.server.requests == []


async def test_cached_prompt_tokens_count_as_input(anthropic: Any, sse: Any) -> None:
    start = message_start("msg_2", 3, cache_creation=100, cache_read=900)
    anthropic.server.default = anthropic.server.stream(
        [
            sse(start, "message_start"),
            sse(text_delta("ok"), "content_block_delta"),
            sse(message_delta("end_turn", 2), "message_delta"),
            sse({"type": "message_stop"}, "message_stop"),
        ]
    )
    _, completion = await anthropic.reply()
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (1003, 2)
