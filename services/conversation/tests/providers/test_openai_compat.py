"""The OpenAI-compatible adapter against a fake server speaking Chat Completions streaming."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from muninn_conversation.providers.config import ProviderConfig, ProvidersSettings
from muninn_conversation.providers.models import (
    ChatMessage,
    ProviderError,
)
from muninn_conversation.providers.openai_compat import OpenAICompatibleProvider
from muninn_conversation.providers.registry import ProviderRegistry, cost_usd
from muninn_conversation.providers.retry import RetryPolicy
from pydantic import SecretStr

CHUNK_ID = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
SNAPSHOT = "gpt-4o-mini-2024-07-18"


def chunk(
    delta: dict[str, Any], finish: str | None = None, model: str = SNAPSHOT
) -> dict[str, Any]:
    return {
        "id": CHUNK_ID,
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
    }


def usage_chunk(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "id": CHUNK_ID,
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": SNAPSHOT,
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }


@pytest.fixture
def frames(sse: Callable[..., bytes]) -> Callable[..., list[bytes]]:
    """A complete stream as OpenAI sends it: role chunk, content chunks, finish chunk, usage chunk, [DONE]."""

    def build(
        texts: list[str], *, usage: tuple[int, int] | None = (19, 10), finish: str = "stop"
    ) -> list[bytes]:
        out = [sse(chunk({"role": "assistant", "content": "", "refusal": None}))]
        out += [sse(chunk({"content": text})) for text in texts]
        out.append(sse(chunk({}, finish)))
        if usage is not None:
            out.append(sse(usage_chunk(*usage)))
        out.append(sse("[DONE]"))
        return out

    return build


@pytest.fixture
def openai(
    openai_server: Any,
    make_config: Callable[..., ProviderConfig],
    retry: RetryPolicy,
    adapter_under_test: Callable[..., Any],
) -> Any:
    """The adapter against the fake Chat Completions server, bundled with it and the retry waits."""
    provider = OpenAICompatibleProvider(
        make_config(base_url=f"{openai_server.root}/v1", api_key=SecretStr("sk-test-123")),
        retry=retry,
        timeout_seconds=0.5,
    )
    return adapter_under_test(provider, openai_server)


def error_body(message: str, **details: Any) -> dict[str, Any]:
    """An error answer as the Chat Completions API writes it."""
    return {"error": {"message": message, **details}}


async def test_streams_deltas_usage_and_sends_the_documented_request(
    openai: Any, frames: Any
) -> None:
    openai.server.then(openai.server.stream(frames(["Hello", " Sam", "!"])))

    deltas, completion = await openai.reply(
        ("system", "You are Muninn."),
        ("user", "Hi"),
        ("assistant", "Hello."),
        ("user", "How are you?"),
        model="gpt-4o-mini",
        temperature=0.3,
        max_tokens=200,
    )

    assert deltas == ["Hello", " Sam", "!"]
    assert completion.finish_reason == "stop"
    assert completion.usage.input_tokens == 19
    assert completion.usage.output_tokens == 10
    assert completion.usage.estimated is False
    assert completion.model == SNAPSHOT
    assert completion.provider == "openai"
    [sent] = openai.server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-123"
    assert sent.headers["content-type"] == "application/json"
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["model"] == "gpt-4o-mini"
    assert sent.body["temperature"] == 0.3
    assert sent.body["max_completion_tokens"] == 200
    assert "max_tokens" not in sent.body
    assert sent.body["messages"] == [
        {"role": "system", "content": "You are Muninn."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "How are you?"},
    ]


async def test_compatible_server_without_key_or_usage_gets_an_estimate(
    openai_server: Any,
    frames: Any,
    make_config: Any,
    retry: RetryPolicy,
    adapter_under_test: Any,
) -> None:
    config = make_config(
        name="ollama",
        kind="openai_compatible",
        base_url=f"{openai_server.root}/v1",
        default_model="llama3.1:8b",
        headers={"x-tenant": "home"},
    )
    ollama = adapter_under_test(
        OpenAICompatibleProvider(config, retry=retry, timeout_seconds=1), openai_server
    )
    ollama.server.then(
        ollama.server.stream(frames(["Four", " words", " right", " here"], usage=None))
    )

    deltas, completion = await ollama.reply(
        ("user", "x" * 40), model="llama3.1:8b", max_tokens=64, temperature=1.7
    )

    assert "".join(deltas) == "Four words right here"
    assert completion.usage.estimated is True
    assert completion.usage.input_tokens == 10  # 40 characters / 4
    assert completion.usage.output_tokens == 6  # 21 characters / 4, rounded up
    [sent] = ollama.server.requests
    assert "authorization" not in sent.headers
    assert sent.headers["x-tenant"] == "home"
    assert sent.body["max_tokens"] == 64  # the name compatible servers understand
    assert sent.body["temperature"] == 1.7


async def test_tool_turns_and_names_are_sent_in_a_form_the_api_accepts(
    openai: Any, frames: Any, make_request: Any
) -> None:
    openai.server.then(openai.server.stream(frames(["ok"])))
    request = make_request(("user", "weather?"), model="gpt-4o")
    request.messages.append(ChatMessage(role="tool", content='{"temp": 21}', name="weather"))
    request.messages.append(ChatMessage(role="user", content="thanks", name="Sam Smith!"))

    await openai.stream(request)

    messages = openai.server.requests[0].body["messages"]
    assert messages[1] == {"role": "user", "content": '[Output of tool weather]\n{"temp": 21}'}
    assert messages[2] == {"role": "user", "content": "thanks", "name": "Sam_Smith_"}


async def test_reasoning_models_get_no_temperature(openai: Any, frames: Any) -> None:
    openai.server.then(openai.server.stream(frames(["ok"])))
    await openai.reply(("user", "hi"), model="o4-mini", temperature=0.2)
    assert "temperature" not in openai.server.requests[0].body


async def test_rate_limit_then_success_honours_retry_after(openai: Any, frames: Any) -> None:
    openai.server.then(
        openai.server.status(
            429,
            error_body(
                "Rate limit reached for gpt-4o-mini", type="requests", code="rate_limit_exceeded"
            ),
            headers={"retry-after": "3"},
        ),
        openai.server.stream(frames(["Back", " again"])),
    )

    deltas, completion = await openai.reply()

    assert "".join(deltas) == "Back again"
    assert completion.finish_reason == "stop"
    assert len(openai.server.requests) == 2
    [wait] = openai.sleeps.waits
    assert 3.0 <= wait <= 3.3


async def test_retry_after_ms_is_preferred(openai: Any, frames: Any) -> None:
    openai.server.then(
        openai.server.status(
            429,
            error_body("slow down"),
            headers={"retry-after-ms": "1500", "retry-after": "2"},
        ),
        openai.server.stream(frames(["ok"])),
    )
    await openai.reply()
    [wait] = openai.sleeps.waits
    assert 1.5 <= wait <= 1.65


async def test_retry_after_longer_than_the_limit_fails_fast(openai: Any) -> None:
    openai.server.then(
        openai.server.status(429, error_body("quota window"), headers={"retry-after": "120"})
    )

    error = await openai.failure()

    assert openai.sleeps.waits == []
    assert error.kind == "rate_limited"
    assert error.retryable is True
    assert str(error) == (
        "The model provider 'openai' is rate-limiting requests (429 Too Many Requests): quota window; "
        "it asked to retry after 120 s"
    )


async def test_server_errors_are_retried_with_backoff_then_reported(openai: Any) -> None:
    openai.server.default = openai.server.status(
        500,
        error_body("The server had an error while processing your request.", type="server_error"),
    )

    error = await openai.failure()

    assert len(openai.server.requests) == 3  # the first try and max_retries=2
    assert error.status == 500
    assert error.kind == "unavailable"
    assert error.retryable is True
    assert str(error) == (
        "The model provider 'openai' is unavailable (500 Internal Server Error): "
        "The server had an error while processing your request. (gave up after 3 attempts)"
    )
    # Exponential backoff with jitter: base 0.5 s → [0.25, 0.5], then 1 s → [0.5, 1].
    assert len(openai.sleeps.waits) == 2
    assert 0.25 <= openai.sleeps.waits[0] <= 0.5
    assert 0.5 <= openai.sleeps.waits[1] <= 1.0


async def test_unauthorized_is_not_retried_and_says_why(openai: Any) -> None:
    openai.server.default = openai.server.status(
        401,
        error_body(
            "Incorrect API key provided: sk-test-***123. You can find your API key at https://platform.openai.com/account/api-keys.",
            type="invalid_request_error",
            param=None,
            code="invalid_api_key",
        ),
    )

    error = await openai.failure()

    assert len(openai.server.requests) == 1
    assert openai.sleeps.waits == []
    assert error.status == 401
    assert error.retryable is False
    assert error.provider == "openai"
    assert str(error).startswith(
        "The model provider 'openai' rejected the request (401 Unauthorized): Incorrect API key provided"
    )


async def test_an_error_without_a_body_still_explains(openai: Any) -> None:
    openai.server.default = openai.server.raw(403, b"", "text/plain")
    assert str(await openai.failure()) == (
        "The model provider 'openai' rejected the request (403 Forbidden): check the provider's API key"
    )


async def test_no_answer_within_the_timeout(openai: Any) -> None:
    openai.server.default = openai.server.hang()

    error = await openai.failure()

    assert str(error) == "The model provider 'openai' did not answer within 0.5 s"
    assert error.kind == "timeout"
    assert len(openai.server.requests) == 1  # the user already waited the whole timeout once
    assert openai.sleeps.waits == []


async def test_a_stream_that_stalls_mid_reply_keeps_what_arrived(openai: Any, frames: Any) -> None:
    openai.server.then(
        openai.server.stream(frames(["Partial", " answer", " never", " ends"]), stall_after=3)
    )
    received: list[str] = []

    error = await openai.failure_after(received)

    assert received == ["Partial", " answer"]
    assert (
        str(error) == "The model provider 'openai' stopped responding mid-reply (nothing for 0.5 s)"
    )
    assert len(openai.server.requests) == 1  # never retried once text went out


async def test_malformed_stream(openai: Any, sse: Any) -> None:
    openai.server.default = openai.server.stream(
        [sse(chunk({"content": "ok"})), b'data: {"choices": [\n\n']
    )

    error = await openai.failure()

    assert error.kind == "protocol"
    assert error.retryable is False
    assert str(error).startswith("The model provider 'openai' sent a malformed stream: not JSON")


async def test_stream_cut_before_any_text_is_retried(openai: Any, sse: Any, frames: Any) -> None:
    openai.server.then(
        openai.server.stream([sse(chunk({"role": "assistant", "content": ""}))]),
        openai.server.stream(frames(["Second", " try"])),
    )
    deltas, _ = await openai.reply()
    assert "".join(deltas) == "Second try"
    assert len(openai.server.requests) == 2


async def test_stream_cut_after_text_is_an_error_not_a_retry(openai: Any, sse: Any) -> None:
    openai.server.default = openai.server.stream([sse(chunk({"content": "Half"}))])
    assert (
        str(await openai.failure())
        == "The model provider 'openai' closed the stream before the reply was complete"
    )
    assert len(openai.server.requests) == 1


async def test_error_reported_inside_the_stream(openai: Any, sse: Any) -> None:
    openai.server.default = openai.server.stream(
        [
            sse(chunk({"content": "Some"})),
            sse(error_body("The model is overloaded", type="server_error")),
        ]
    )
    assert str(await openai.failure()) == (
        "The model provider 'openai' reported an error mid-reply (server_error): The model is overloaded"
    )
    assert len(openai.server.requests) == 1


async def test_server_that_ignores_stream_true_still_answers(openai: Any) -> None:
    openai.server.default = openai.server.json(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1741569952,
            "model": "qwen2.5-7b-instruct",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Whole reply"},
                    "finish_reason": "length",
                }
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        }
    )
    deltas, completion = await openai.reply()
    assert deltas == ["Whole reply"]
    assert completion.finish_reason == "length"
    assert (
        completion.usage.input_tokens,
        completion.usage.output_tokens,
        completion.usage.estimated,
    ) == (7, 2, False)
    assert completion.model == "qwen2.5-7b-instruct"


async def test_a_web_page_instead_of_the_api(openai: Any) -> None:
    openai.server.default = openai.server.raw(200, b"<html>Open WebUI</html>", "text/html")
    assert "instead of an event stream" in str(await openai.failure())


async def test_unreachable_server_is_retried_then_reported(
    collect: Any, make_config: Any, make_request: Any, retry: RetryPolicy, sleeps: Any
) -> None:
    from muninn_devstack.servers import free_port

    base = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    provider = OpenAICompatibleProvider(make_config(base_url=base), retry=retry, timeout_seconds=1)
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(provider, make_request(("user", "hi")))
    finally:
        await provider.aclose()
    assert caught.value.kind == "connection"
    assert str(caught.value).startswith(f"Could not reach the model provider 'openai' at {base}: ")
    assert str(caught.value).endswith("(gave up after 3 attempts)")
    assert len(sleeps.waits) == 2


async def test_registry_wires_settings_into_the_adapter(
    collect: Any, openai_server: Any, frames: Any, make_request: Any
) -> None:
    registry = ProviderRegistry(
        ProvidersSettings(
            openai_base_url=f"{openai_server.root}/v1",  # no key: a custom URL alone registers it
            openai_default_model="gpt-4.1-mini",
            request_timeout_seconds=0.5,
            max_retries=0,
        )
    )
    openai_server.then(openai_server.status(503, error_body("warming up")))
    try:
        provider, model = registry.resolve(
            conversation_provider=None,
            conversation_model=None,
            preferred_provider="openai",
            preferred_model=None,
        )
        assert (provider.name, model) == ("openai", "gpt-4.1-mini")
        with pytest.raises(ProviderError) as caught:
            await collect(provider, make_request(("user", "hi"), model=model))
        assert (
            str(caught.value)
            == "The model provider 'openai' is unavailable (503 Service Unavailable): warming up"
        )
        assert len(openai_server.requests) == 1  # max_retries=0 reached the adapter

        openai_server.then(openai_server.stream(frames(["Wired"])))
        deltas, completion = await collect(provider, make_request(("user", "hi"), model=model))
        assert deltas == ["Wired"]
        assert "authorization" not in openai_server.requests[-1].headers
        assert (
            cost_usd(registry.config_for(completion.provider), completion.model, completion.usage)
            is not None
        )
    finally:
        await registry.aclose()
