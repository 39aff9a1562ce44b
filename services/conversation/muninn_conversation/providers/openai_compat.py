"""OpenAI Chat Completions, streamed — also spoken by Ollama, vLLM, LM Studio, llama.cpp, Azure v1.

POST {base_url}/chat/completions with ``stream: true`` and ``stream_options.include_usage``;
the answer is ``data: {chat.completion.chunk}`` lines, a final chunk with empty ``choices``
and the usage, then ``data: [DONE]``. Servers that send no usage get an estimate.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from muninn_conversation.providers import errors
from muninn_conversation.providers.models import (
    ChatMessage,
    Completion,
    ErrorKind,
    GenerationRequest,
    StreamEvent,
    TextDelta,
    Usage,
)
from muninn_conversation.providers.sse import ServerSentEvent
from muninn_conversation.providers.tokens import estimated_usage
from muninn_conversation.providers.transport import StreamingHttpProvider

DONE = "[DONE]"
# Reasoning models accept only their default temperature and reject the parameter outright.
_FIXED_TEMPERATURE = re.compile(r"^(o\d|gpt-5)")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_ERROR_KINDS: dict[str, ErrorKind] = {
    "rate_limit_exceeded": "rate_limited",
    "insufficient_quota": "rejected",
    "invalid_request_error": "rejected",
    "context_length_exceeded": "rejected",
}


def wire_message(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        # A tool turn without the tool_call_id of a preceding call is rejected; Muninn keeps no
        # such ids, so the output travels as context the model can read.
        out: dict[str, Any] = {
            "role": "user",
            "content": f"[Output of tool {message.name or ''}]\n{message.content}",
        }
        return out
    out = {"role": message.role, "content": message.content}
    if message.name:
        name = _NAME_UNSAFE.sub("_", message.name)[:64]
        if name.strip("_"):
            out["name"] = name
    return out


class OpenAICompatibleProvider(StreamingHttpProvider):
    def _url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        key = self.config.api_key
        return {"authorization": f"Bearer {key.get_secret_value()}"} if key is not None else {}

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [wire_message(m) for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        official = self.config.kind == "openai"
        if request.temperature is not None and not (
            official and _FIXED_TEMPERATURE.match(request.model)
        ):
            body["temperature"] = request.temperature
        if request.max_tokens is not None:
            # OpenAI deprecated max_tokens (reasoning models refuse it); compatible servers
            # mostly only know the old name.
            body["max_completion_tokens" if official else "max_tokens"] = request.max_tokens
        return body

    async def _parse(
        self, events: AsyncIterator[ServerSentEvent], request: GenerationRequest
    ) -> AsyncIterator[StreamEvent]:
        model = request.model
        output: list[str] = []
        finish: str | None = None
        usage: Usage | None = None
        done = False
        async for event in events:
            if event.data.strip() == DONE:
                done = True
                break
            chunk = self.decode(event.data)
            if chunk.get("error"):
                raise self.stream_error(
                    chunk["error"], started=bool(output), kind_by_type=_ERROR_KINDS
                )
            model = str(chunk.get("model") or model)
            usage = _usage(chunk.get("usage")) or usage
            for choice in chunk.get("choices") or []:  # vLLM sends null on the usage chunk
                if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta") or {}
                # A refusal arrives instead of content; the user should see it either way.
                text = delta.get("content") or delta.get("refusal")
                if isinstance(text, str) and text:
                    output.append(text)
                    yield TextDelta(text=text)
                if choice.get("finish_reason"):
                    finish = str(choice["finish_reason"])
        if not done and finish is None:
            raise errors.truncated(self.name)
        yield Completion(
            finish_reason=finish or "stop",
            usage=usage or estimated_usage(request.messages, "".join(output)),
            model=model,
            provider=self.name,
        )

    def _parse_whole(
        self, payload: dict[str, Any], request: GenerationRequest
    ) -> list[StreamEvent]:
        if payload.get("error"):
            raise self.stream_error(payload["error"], started=False, kind_by_type=_ERROR_KINDS)
        choices = payload.get("choices") or []
        if not choices or not isinstance(choices[0], dict):
            raise errors.malformed(self.name, "a completion without choices")
        message = choices[0].get("message") or {}
        text = str(message.get("content") or message.get("refusal") or "")
        events: list[StreamEvent] = [TextDelta(text=text)] if text else []
        events.append(
            Completion(
                finish_reason=str(choices[0].get("finish_reason") or "stop"),
                usage=_usage(payload.get("usage")) or estimated_usage(request.messages, text),
                model=str(payload.get("model") or request.model),
                provider=self.name,
            )
        )
        return events


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    prompt, completion = raw.get("prompt_tokens"), raw.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return Usage(input_tokens=prompt, output_tokens=completion, estimated=False)
