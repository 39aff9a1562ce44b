"""/v1/tags (the vocabulary) and tagging of conversations, notes and snippets."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_conversation.deps import Services
from muninn_conversation.tags.models import ItemTags, Tag, TagCreate, TagPatch
from muninn_conversation.tags.service import tag_param

router = APIRouter(tags=["tags"])

NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.get("/v1/tags", summary="Your tags with how many items carry each")
async def list_tags(principal: CurrentPrincipal, services: Services) -> list[Tag]:
    return await services.tags.list(principal.user_id)


@router.post(
    "/v1/tags", status_code=status.HTTP_201_CREATED, summary="Add a tag to your vocabulary"
)
async def create(body: TagCreate, principal: CurrentPrincipal, services: Services) -> Tag:
    return await services.tags.create(principal.user_id, body)


@router.get("/v1/tags/{tag}")
async def get(tag: str, principal: CurrentPrincipal, services: Services) -> Tag:
    return await services.tags.get(principal.user_id, tag_param(tag))


@router.patch(
    "/v1/tags/{tag}",
    summary="Recolour or rename (on every tagged item; merges into an existing tag)",
)
async def patch(tag: str, body: TagPatch, principal: CurrentPrincipal, services: Services) -> Tag:
    return await services.tags.update(principal.user_id, tag_param(tag), body)


@router.delete(
    "/v1/tags/{tag}", status_code=NO_CONTENT, summary="Delete a tag and take it off every item"
)
async def delete(tag: str, principal: CurrentPrincipal, services: Services) -> Response:
    await services.tags.delete(principal.user_id, tag_param(tag))
    return Response(status_code=NO_CONTENT)


@router.put("/v1/conversations/{conversation_id}/tags/{tag}", summary="Tag a conversation")
async def tag_conversation(
    conversation_id: str, tag: str, principal: CurrentPrincipal, services: Services
) -> ItemTags:
    return await services.tags.tag_conversation(principal.user_id, conversation_id, tag_param(tag))


@router.delete(
    "/v1/conversations/{conversation_id}/tags/{tag}",
    status_code=NO_CONTENT,
    summary="Untag a conversation",
)
async def untag_conversation(
    conversation_id: str, tag: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.tags.untag_conversation(principal.user_id, conversation_id, tag_param(tag))
    return Response(status_code=NO_CONTENT)


@router.put("/v1/notes/{note_id}/tags/{tag}", summary="Tag a note")
async def tag_note(
    note_id: str, tag: str, principal: CurrentPrincipal, services: Services
) -> ItemTags:
    return await services.tags.tag_note(principal.user_id, note_id, tag_param(tag))


@router.delete("/v1/notes/{note_id}/tags/{tag}", status_code=NO_CONTENT, summary="Untag a note")
async def untag_note(
    note_id: str, tag: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.tags.untag_note(principal.user_id, note_id, tag_param(tag))
    return Response(status_code=NO_CONTENT)


@router.put("/v1/snippets/{snippet_id}/tags/{tag}", summary="Tag a snippet")
async def tag_snippet(
    snippet_id: str, tag: str, principal: CurrentPrincipal, services: Services
) -> ItemTags:
    return await services.tags.tag_snippet(principal.user_id, snippet_id, tag_param(tag))


@router.delete(
    "/v1/snippets/{snippet_id}/tags/{tag}", status_code=NO_CONTENT, summary="Untag a snippet"
)
async def untag_snippet(
    snippet_id: str, tag: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.tags.untag_snippet(principal.user_id, snippet_id, tag_param(tag))
    return Response(status_code=NO_CONTENT)
