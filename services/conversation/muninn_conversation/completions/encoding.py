"""How a stored reply reads in the OpenAI Chat Completions wire format (JSON and SSE chunks)."""

from __future__ import annotations

import json
from typing import Any

from muninn_conversation.completions.models import CompletionUsage
from muninn_conversation.messages.models import Message

_FINISH = {"complete": "stop", "stopped": "stop"}
DONE = b"data: [DONE]\n\n"


def sse(body: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(body, separators=(',', ':'))}\n\n".encode()


def chunk(
    completion_id: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None
) -> bytes:
    return sse(
        {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
    )


def usage_chunk(completion_id: str, created: int, model: str, reply: Message | None) -> bytes:
    return sse(
        {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage_of(reply).model_dump(),
        }
    )


def error_chunk(reply: Message | None) -> bytes:
    error = {
        "message": (reply.error if reply else None) or "The reply failed.",
        "type": "provider_error",
        "code": "generation_failed",
    }
    return f"data: {json.dumps({'error': error})}\n\n".encode()


def usage_of(reply: Message | None) -> CompletionUsage:
    usage = reply.usage if reply else None
    prompt = usage.input_tokens if usage else 0
    completion = usage.output_tokens if usage else 0
    return CompletionUsage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def served_model(reply: Message | None, requested: str) -> str:
    if reply and reply.provider and reply.model:
        return f"{reply.provider}/{reply.model}"
    return requested


def finish_reason(reply: Message | None) -> str:
    """The provider's own finish reason when it gave one, else what the reply's status means."""
    if reply is None:
        return "stop"
    given = (reply.metadata.model_extra or {}).get("finish_reason")
    return str(given) if given else _FINISH.get(reply.status.value, "stop")
