"""/v1/conversations/{id}/messages: post (streamed or not), read, branch, stop, rate, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from muninn_shared.auth import CurrentPrincipal, bearer_token
from muninn_shared.problems import not_found

from muninn_conversation.deps import Services
from muninn_conversation.messages.models import (
    Exchange,
    Message,
    MessageEdit,
    MessageIn,
    Rating,
    Thread,
)
from muninn_conversation.messages.service import Started
from muninn_conversation.messages.sse import frame, sse_response, wants_stream

router = APIRouter(prefix="/v1/conversations/{conversation_id}/messages", tags=["messages"])

Accept = Annotated[str | None, Header()]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

STREAM_DOC = {
    "description": "With `Accept: text/event-stream`: `message` (the stored user message and the pending reply), "
    "`delta` {text} events, then `done` (the stored reply with usage and timing) or `error`.",
    "content": {"text/event-stream": {}},
}


def _starts_exchange(path: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    """A route that starts an exchange: 201 with the finished reply, or its SSE stream."""
    return router.post(
        path,
        response_model=Exchange,
        status_code=status.HTTP_201_CREATED,
        summary=summary,
        responses={201: STREAM_DOC},
    )


async def _exchange_response(
    services: Services, starting: Awaitable[Started], reader_id: str, accept: str | None
) -> Response:
    """Start the exchange, then answer with the finished reply or stream it."""
    status_code = status.HTTP_201_CREATED
    started = await starting
    engine = services.engine
    message_id = started.assistant_message.id

    async def final_message() -> Message:
        message = await services.messages.reply_as_seen_by(message_id, reader_id)
        if message is None:
            raise not_found("Message")
        return message

    if wants_stream(accept):

        async def events() -> AsyncIterator[bytes]:
            yield frame(
                "message",
                Exchange(
                    user_message=started.user_message, assistant_message=started.assistant_message
                ).model_dump(mode="json"),
            )
            async for name, data in engine.follow(message_id):
                if name == "snapshot":
                    if data["content"]:
                        yield frame("delta", {"text": data["content"]})
                    continue
                if name == "delta":
                    yield frame("delta", data)
                    continue
                message = await final_message()
                yield frame(
                    name,
                    {
                        "message": message.model_dump(mode="json"),
                        "usage": message.usage and message.usage.model_dump(),
                        "timing": message.timing and message.timing.model_dump(mode="json"),
                    },
                )
                return

        return sse_response(events(), status_code=status_code)

    async for name, _ in engine.follow(message_id):
        if name in ("done", "error"):
            break
    exchange = Exchange(user_message=started.user_message, assistant_message=await final_message())
    return JSONResponse(exchange.model_dump(mode="json"), status_code=status_code)


@_starts_exchange(
    "",
    "Send a message; the assistant replies (streamed with SSE, or the finished reply)",
)
async def post_message(
    conversation_id: str,
    body: MessageIn,
    principal: CurrentPrincipal,
    services: Services,
    request: Request,
    accept: Accept = None,
) -> Response:
    return await _exchange_response(
        services,
        services.messages.post(conversation_id, principal, body, bearer_token(request)),
        principal.user_id,
        accept,
    )


@router.get("", summary="The active branch, with the branch choices at each fork")
async def list_messages(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> Thread:
    return await services.messages.thread(conversation_id, principal.user_id)


@router.get("/{message_id}", summary="One message (poll it to follow a generation)")
async def get_message(
    conversation_id: str, message_id: str, principal: CurrentPrincipal, services: Services
) -> Message:
    return await services.messages.get(conversation_id, message_id, principal.user_id)


@router.get(
    "/{message_id}/stream",
    summary="Resume a reply's stream: what was generated so far, then live deltas, then `done`/`error`",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def resume_stream(
    conversation_id: str, message_id: str, principal: CurrentPrincipal, services: Services
) -> StreamingResponse:
    await services.messages.get(conversation_id, message_id, principal.user_id)

    async def events() -> AsyncIterator[bytes]:
        async for name, data in services.engine.follow(message_id):
            if name in ("done", "error"):
                message = await services.messages.reply_as_seen_by(message_id, principal.user_id)
                payload = {"message": message.model_dump(mode="json")} if message else data
                yield frame(name, payload)
                return
            yield frame(name, data)

    return sse_response(events())


@router.post("/{message_id}/stop", summary="Stop a reply being generated (partial text kept)")
async def stop(
    conversation_id: str, message_id: str, principal: CurrentPrincipal, services: Services
) -> Message:
    return await services.messages.stop(conversation_id, message_id, principal)


@_starts_exchange(
    "/{message_id}/regenerate",
    "Generate another reply as a sibling branch",
)
async def regenerate(
    conversation_id: str,
    message_id: str,
    principal: CurrentPrincipal,
    services: Services,
    request: Request,
    accept: Accept = None,
) -> Response:
    return await _exchange_response(
        services,
        services.messages.regenerate(conversation_id, message_id, principal, bearer_token(request)),
        principal.user_id,
        accept,
    )


@_starts_exchange(
    "/{message_id}/edit",
    "Edit a user message: a new branch with its own reply (the original is kept)",
)
async def edit(
    conversation_id: str,
    message_id: str,
    body: MessageEdit,
    principal: CurrentPrincipal,
    services: Services,
    request: Request,
    accept: Accept = None,
) -> Response:
    return await _exchange_response(
        services,
        services.messages.edit(
            conversation_id, message_id, principal, body.content, bearer_token(request)
        ),
        principal.user_id,
        accept,
    )


@router.post("/{message_id}/activate", summary="Show the branch that contains this message")
async def activate(
    conversation_id: str, message_id: str, principal: CurrentPrincipal, services: Services
) -> Thread:
    return await services.messages.activate(conversation_id, message_id, principal.user_id)


@router.put("/{message_id}/rating", summary="Rate an assistant reply (1-5)")
async def rate(
    conversation_id: str,
    message_id: str,
    body: Rating,
    principal: CurrentPrincipal,
    services: Services,
) -> Message:
    return await services.messages.rate(conversation_id, message_id, principal.user_id, body.rating)


@router.delete(
    "/{message_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a message (soft: the branch structure stays)",
)
async def delete(
    conversation_id: str, message_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.messages.soft_delete(conversation_id, message_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
