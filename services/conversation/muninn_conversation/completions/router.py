"""POST /v1/chat/completions and GET /v1/models: the OpenAI SDK works against Muninn unmodified."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from muninn_shared.auth import CurrentPrincipal, bearer_token
from muninn_shared.problems import ProblemError

from muninn_conversation.completions.models import (
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    CompletionMessage,
    CompletionUsage,
    ModelList,
)
from muninn_conversation.deps import Services
from muninn_conversation.messages.models import GenerationStatus

router = APIRouter(prefix="/v1", tags=["openai compatible"])

_FINISH = {"complete": "stop", "stopped": "stop"}


def _chunk(
    completion_id: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None
) -> bytes:
    body = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    return f"data: {json.dumps(body, separators=(',', ':'))}\n\n".encode()


def _usage(doc: dict[str, Any]) -> CompletionUsage:
    usage = doc.get("usage") or {}
    prompt, completion = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    return CompletionUsage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def _served_model(doc: dict[str, Any], requested: str) -> str:
    if doc.get("provider") and doc.get("model"):
        return f"{doc['provider']}/{doc['model']}"
    return requested


@router.get(
    "/models",
    summary="Models this server can answer with (OpenAI format)",
)
async def list_models(principal: CurrentPrincipal, services: Services) -> ModelList:
    return services.completions.models()


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    summary="OpenAI-compatible chat completion, with memory; stored in a conversation",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def create_completion(
    body: ChatCompletionRequest,
    request: Request,
    principal: CurrentPrincipal,
    services: Services,
    x_muninn_conversation_id: Annotated[str | None, Header(max_length=64)] = None,
) -> Response:
    started, conversation = await services.completions.start(
        principal, body, bearer_token(request), x_muninn_conversation_id
    )
    message_id = started.assistant_message.id
    completion_id = f"chatcmpl-{message_id}"
    created = int(time.time())
    engine = services.engine

    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)

        async def chunks() -> AsyncIterator[bytes]:
            yield _chunk(completion_id, created, body.model, {"role": "assistant", "content": ""})
            async for name, data in engine.follow(message_id):
                if name == "snapshot":
                    if data["content"]:
                        yield _chunk(
                            completion_id, created, body.model, {"content": data["content"]}
                        )
                    continue
                if name == "delta":
                    yield _chunk(completion_id, created, body.model, {"content": data["text"]})
                    continue
                doc = await services.message_store.by_id(message_id) or {}
                if name == "error":
                    error = {
                        "message": doc.get("error") or "The reply failed.",
                        "type": "provider_error",
                        "code": "generation_failed",
                    }
                    yield f"data: {json.dumps({'error': error})}\n\n".encode()
                    return
                finish = (doc.get("metadata") or {}).get("finish_reason") or _FINISH.get(
                    doc.get("status", ""), "stop"
                )
                model = _served_model(doc, body.model)
                yield _chunk(completion_id, created, model, {}, finish)
                if include_usage:
                    usage_chunk = {
                        "id": completion_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": _usage(doc).model_dump(),
                    }
                    yield f"data: {json.dumps(usage_chunk, separators=(',', ':'))}\n\n".encode()
                yield b"data: [DONE]\n\n"
                return

        return StreamingResponse(
            chunks(),
            media_type="text/event-stream",
            headers={
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
                "X-Muninn-Conversation-Id": conversation["_id"],
            },
        )

    async for name, _ in engine.follow(message_id):
        if name in ("done", "error"):
            break
    doc = await services.message_store.by_id(message_id) or {}
    if doc.get("status") == GenerationStatus.ERROR.value:
        raise ProblemError(
            502,
            doc.get("error") or "The model provider failed.",
            code="provider-error",
            title="Bad Gateway",
        )
    result = ChatCompletion(
        id=completion_id,
        created=created,
        model=_served_model(doc, body.model),
        choices=[
            Choice(
                message=CompletionMessage(content=doc.get("content", "")),
                finish_reason=(doc.get("metadata") or {}).get("finish_reason")
                or _FINISH.get(doc.get("status", ""), "stop"),
            )
        ],
        usage=_usage(doc),
        muninn={
            "conversation_id": conversation["_id"],
            "message_id": message_id,
            "memory_status": (doc.get("metadata") or {}).get("memory_status"),
            "sources": [
                s.ref_id for s in (await services.messages.present(doc, principal.user_id)).sources
            ]
            if doc
            else [],
        },
    )
    return JSONResponse(
        result.model_dump(mode="json"), headers={"X-Muninn-Conversation-Id": conversation["_id"]}
    )
