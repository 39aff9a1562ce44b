"""Anthropic Messages API, streamed.

POST {base_url}/v1/messages with ``stream: true``. System text goes in the top-level
``system`` field; turns must be user/assistant. The answer is named events:
``message_start`` (input usage), ``content_block_start``/``_delta``/``_stop``, ``ping``,
``message_delta`` (stop reason, cumulative output usage), ``message_stop`` — or ``error``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from muninn_conversation.providers import errors
from muninn_conversation.providers.models import (
    ChatMessage,
    Completion,
    ErrorKind,
    GenerationRequest,
    ProviderError,
    StreamEvent,
    TextDelta,
    Usage,
)
from muninn_conversation.providers.sse import ServerSentEvent
from muninn_conversation.providers.tokens import estimate_input, estimate_tokens
from muninn_conversation.providers.transport import StreamingHttpProvider

DEFAULT_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
# Anthropic's stop reasons in the OpenAI vocabulary the rest of Muninn (and its
# Chat Completions endpoint) speaks.
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
_ERROR_KINDS: dict[str, ErrorKind] = {
    "overloaded_error": "unavailable",
    "api_error": "unavailable",
    "rate_limit_error": "rate_limited",
    "invalid_request_error": "rejected",
    "authentication_error": "rejected",
    "permission_error": "rejected",
    "not_found_error": "rejected",
    "request_too_large": "rejected",
}
_EARLIER_OMITTED = "(Earlier messages of this conversation are omitted.)"


def split_system(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The system text, and user/assistant turns that alternate and start with the user."""
    system = [m.content.strip() for m in messages if m.role == "system" and m.content.strip()]
    turns: list[dict[str, str]] = []
    for message in messages:
        if message.role == "system" or not message.content.strip():
            continue  # the API rejects empty text blocks
        if message.role == "tool":
            role, text = "user", f"[Output of tool {message.name or ''}]\n{message.content}"
        else:
            role, text = message.role, message.content
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": role, "content": text})
    if turns and turns[0]["role"] == "assistant":
        turns.insert(0, {"role": "user", "content": _EARLIER_OMITTED})
    return "\n\n".join(system), turns


class AnthropicProvider(StreamingHttpProvider):
    def _url(self) -> str:
        base = self.base_url
        return f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages"

    def _headers(self) -> dict[str, str]:
        headers = {"anthropic-version": self.config.anthropic_version or DEFAULT_VERSION}
        if self.config.api_key is not None:
            headers["x-api-key"] = self.config.api_key.get_secret_value()
        return headers

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        system, turns = split_system(request.messages)
        if not turns:
            raise ProviderError(
                f"The model provider '{self.name}' needs at least one user message, and the conversation has none",
                provider=self.name,
                kind="rejected",
            )
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens or self.config.max_output_tokens or DEFAULT_MAX_TOKENS,
            "messages": turns,
            "stream": True,
        }
        if system:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = min(
                1.0, max(0.0, request.temperature)
            )  # Anthropic's range is 0 to 1
        return body

    async def _parse(
        self, events: AsyncIterator[ServerSentEvent], request: GenerationRequest
    ) -> AsyncIterator[StreamEvent]:
        model = request.model
        output: list[str] = []
        input_tokens: int | None = None
        output_tokens: int | None = None
        stop_reason: str | None = None
        stopped = False
        async for event in events:
            payload = self.decode(event.data)
            kind = str(payload.get("type") or event.event)
            if kind == "error":
                raise self.stream_error(
                    payload.get("error"), started=bool(output), kind_by_type=_ERROR_KINDS
                )
            if kind == "message_start":
                message = payload.get("message") or {}
                model = str(message.get("model") or model)
                usage = message.get("usage") or {}
                input_tokens = _input_tokens(usage) if "input_tokens" in usage else input_tokens
                output_tokens = _int(usage.get("output_tokens"), output_tokens)
            elif kind == "content_block_delta":
                delta = payload.get("delta") or {}
                text = delta.get("text")
                if delta.get("type") == "text_delta" and isinstance(text, str) and text:
                    output.append(text)
                    yield TextDelta(text=text)
            elif kind == "message_delta":
                stop_reason = (payload.get("delta") or {}).get("stop_reason") or stop_reason
                usage = payload.get("usage") or {}
                output_tokens = _int(usage.get("output_tokens"), output_tokens)  # cumulative
                if usage.get("input_tokens") is not None:
                    input_tokens = _input_tokens(usage)
            elif kind == "message_stop":
                stopped = True
                break
            # ping, content_block_start/stop and event types added later carry nothing we need.
        if not stopped:
            raise errors.truncated(self.name)
        yield Completion(
            finish_reason=STOP_REASONS.get(stop_reason or "end_turn", stop_reason or "stop"),
            usage=_usage(request, "".join(output), input_tokens, output_tokens),
            model=model,
            provider=self.name,
        )

    def _parse_whole(
        self, payload: dict[str, Any], request: GenerationRequest
    ) -> list[StreamEvent]:
        if payload.get("type") == "error":
            raise self.stream_error(payload.get("error"), started=False, kind_by_type=_ERROR_KINDS)
        blocks = payload.get("content")
        if not isinstance(blocks, list):
            raise errors.malformed(self.name, "a message without content")
        text = "".join(
            str(b.get("text") or "")
            for b in blocks
            if isinstance(b, dict) and b.get("type") == "text"
        )
        usage = payload.get("usage") or {}
        input_tokens = _input_tokens(usage) if "input_tokens" in usage else None
        stop_reason = payload.get("stop_reason")
        events: list[StreamEvent] = [TextDelta(text=text)] if text else []
        events.append(
            Completion(
                finish_reason=STOP_REASONS.get(stop_reason or "end_turn", stop_reason or "stop"),
                usage=_usage(request, text, input_tokens, _int(usage.get("output_tokens"), None)),
                model=str(payload.get("model") or request.model),
                provider=self.name,
            )
        )
        return events


def _int(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) else default


def _input_tokens(usage: dict[str, Any]) -> int:
    # Cached prompt parts are reported apart from input_tokens but are input all the same.
    return sum(
        _int(usage.get(key), 0) or 0
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )


def _usage(
    request: GenerationRequest, text: str, input_tokens: int | None, output_tokens: int | None
) -> Usage:
    if input_tokens is not None and output_tokens is not None:
        return Usage(input_tokens=input_tokens, output_tokens=output_tokens, estimated=False)
    return Usage(
        input_tokens=input_tokens if input_tokens is not None else estimate_input(request.messages),
        output_tokens=output_tokens if output_tokens is not None else estimate_tokens(text),
        estimated=True,
    )
