"""/v1/conversations/{id}/typing: typing indicators for multi-participant conversations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from muninn_shared.auth import CurrentPrincipal

from muninn_conversation.deps import Services
from muninn_conversation.typing_indicators.models import TypingState, TypingUpdate

ConversationId = Annotated[str, Path(min_length=1, max_length=64)]

router = APIRouter(prefix="/v1/conversations/{conversation_id}/typing", tags=["conversations"])


@router.put(
    "",
    summary="Say you are typing (renew every few seconds) or have stopped; collaborators and owner",
)
async def set_typing(
    conversation_id: ConversationId,
    body: TypingUpdate,
    principal: CurrentPrincipal,
    services: Services,
) -> TypingState:
    return await services.typing.set(conversation_id, principal.user_id, body.is_typing)


@router.get("", summary="Who is typing, and whether a reply is being generated")
async def get_typing_state(
    conversation_id: ConversationId, principal: CurrentPrincipal, services: Services
) -> TypingState:
    return await services.typing.state(conversation_id, principal.user_id)
