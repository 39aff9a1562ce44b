"""POST /v1/chat/completions and GET /v1/models: the OpenAI SDK works against Muninn unmodified."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from muninn_shared.auth import CurrentPrincipal, bearer_token

from muninn_conversation.completions.models import (
    ChatCompletion,
    ChatCompletionRequest,
    ModelList,
)
from muninn_conversation.deps import Services

router = APIRouter(prefix="/v1", tags=["openai compatible"])


@router.get("/models", summary="Models this server can answer with (OpenAI format)")
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
    started = await services.completions.start(
        principal, body, bearer_token(request), x_muninn_conversation_id
    )
    conversation_header = {"X-Muninn-Conversation-Id": started.conversation_id}
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            services.completions.stream(started, include_usage=include_usage),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **conversation_header},
        )
    result = await services.completions.complete(started)
    return JSONResponse(result.model_dump(mode="json"), headers=conversation_header)
