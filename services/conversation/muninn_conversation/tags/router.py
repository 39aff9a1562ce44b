"""/v1/tags (the vocabulary) and tagging of conversations, notes and snippets."""

# No ``from __future__ import annotations``: the tagging endpoints' path parameters are
# annotated with types made where their routes are added, which FastAPI must read as objects.

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_conversation.deps import Services
from muninn_conversation.tags.models import ItemTags, Tag, TagCreate, TagPatch
from muninn_conversation.tags.service import TagService, tag_param

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


# Tagging items: a PUT and a DELETE on each kind of item that carries tags.
TagItem = Callable[[str, str, str], Awaitable[ItemTags]]
TagName = Annotated[str, Path(alias="tag")]


def add_tagging_routes(
    collection: str,
    id_name: str,
    noun: str,
    tag: Callable[[TagService], TagItem],
    untag: Callable[[TagService], TagItem],
) -> None:
    """PUT and DELETE ``{collection}/{id_name}/tags/{tag}``, named tag_{noun} and untag_{noun};
    ``tag`` and ``untag`` pick the tag service's method for the kind."""
    path = f"{collection}/{{{id_name}}}/tags/{{tag}}"
    ItemId = Annotated[str, Path(alias=id_name)]  # noqa: N806 - a type, named as one

    async def tag_item(
        item_id: ItemId, name: TagName, principal: CurrentPrincipal, services: Services
    ) -> ItemTags:
        return await tag(services.tags)(principal.user_id, item_id, tag_param(name))

    async def untag_item(
        item_id: ItemId, name: TagName, principal: CurrentPrincipal, services: Services
    ) -> Response:
        await untag(services.tags)(principal.user_id, item_id, tag_param(name))
        return Response(status_code=NO_CONTENT)

    router.add_api_route(
        path, tag_item, methods=["PUT"], summary=f"Tag a {noun}", name=f"tag_{noun}"
    )
    router.add_api_route(
        path,
        untag_item,
        methods=["DELETE"],
        status_code=NO_CONTENT,
        summary=f"Untag a {noun}",
        name=f"untag_{noun}",
    )


add_tagging_routes(
    "/v1/conversations",
    "conversation_id",
    "conversation",
    lambda tags: tags.tag_conversation,
    lambda tags: tags.untag_conversation,
)
add_tagging_routes(
    "/v1/notes", "note_id", "note", lambda tags: tags.tag_note, lambda tags: tags.untag_note
)
add_tagging_routes(
    "/v1/snippets",
    "snippet_id",
    "snippet",
    lambda tags: tags.tag_snippet,
    lambda tags: tags.untag_snippet,
)
