"""/v1/conversations: create, list, read, change, delete; participants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.contexts import Context
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.conversations.models import (
    Conversation,
    ConversationCreate,
    ConversationPage,
    ConversationPatch,
    Invitation,
    Participant,
    ParticipantAdd,
    ParticipantRoleChange,
)
from muninn_conversation.deps import Services
from muninn_conversation.tags.service import tag_param

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Start a conversation")
async def create(
    body: ConversationCreate, principal: CurrentPrincipal, services: Services
) -> Conversation:
    return await services.conversations.create(principal.user_id, body)


@router.get("", summary="Conversations you take part in, most recent first")
async def list_conversations(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
    context: Context | None = None,
    archived: bool = False,
    pinned: bool | None = None,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in titles.")] = None,
) -> ConversationPage:
    return await services.conversations.page(
        principal.user_id,
        limit=limit,
        cursor=cursor,
        context=context.value if context else None,
        archived=archived,
        pinned=pinned,
        project_id=project_id,
        tag=tag_param(tag) if tag is not None else None,
        q=q,
    )


# Registered before "/{conversation_id}" so that "invitations" is never read as an id.
@router.get(
    "/invitations", summary="Conversations you are invited to and have not yet accepted or declined"
)
async def my_invitations(principal: CurrentPrincipal, services: Services) -> list[Invitation]:
    return await services.conversations.invitations(principal.user_id)


@router.post(
    "/invitations/{conversation_id}/accept",
    summary="Accept an invitation: the conversation becomes visible to you in the invited role",
)
async def accept_invitation(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> Conversation:
    return await services.conversations.accept(conversation_id, principal.user_id)


@router.post(
    "/invitations/{conversation_id}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Decline an invitation",
)
async def decline_invitation(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.conversations.decline(conversation_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{conversation_id}")
async def get(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> Conversation:
    return await services.conversations.get(conversation_id, principal.user_id)


@router.patch("/{conversation_id}", summary="Rename, archive, pin, move, change settings")
async def patch(
    conversation_id: str, body: ConversationPatch, principal: CurrentPrincipal, services: Services
) -> Conversation:
    return await services.conversations.update(conversation_id, principal.user_id, body)


@router.delete(
    "/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a conversation and its messages",
)
async def delete(conversation_id: str, principal: CurrentPrincipal, services: Services) -> Response:
    await services.conversations.delete(conversation_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{conversation_id}/participants")
async def participants(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> list[Participant]:
    return await services.conversations.participants(conversation_id, principal.user_id)


@router.post(
    "/{conversation_id}/participants",
    summary="Invite a collaborator or viewer (owner only); they join when they accept",
)
async def invite_participant(
    conversation_id: str, body: ParticipantAdd, principal: CurrentPrincipal, services: Services
) -> list[Participant]:
    return await services.conversations.invite(conversation_id, principal.user_id, body)


@router.patch(
    "/{conversation_id}/participants/{user_id}", summary="Change a participant's role (owner only)"
)
async def change_participant_role(
    conversation_id: str,
    user_id: str,
    body: ParticipantRoleChange,
    principal: CurrentPrincipal,
    services: Services,
) -> list[Participant]:
    return await services.conversations.change_role(
        conversation_id, principal.user_id, user_id, body.role
    )


@router.delete(
    "/{conversation_id}/participants/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a participant or withdraw an invitation (owner), or leave",
)
async def remove_participant(
    conversation_id: str, user_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.conversations.remove_participant(conversation_id, principal.user_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
