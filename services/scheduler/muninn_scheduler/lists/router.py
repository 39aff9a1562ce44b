"""/v1/lists: shopping and other lists, their items, and sharing them with collaborators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_scheduler.deps import Services
from muninn_scheduler.lists.models import (
    Cleared,
    Item,
    ItemCategory,
    ItemIn,
    ItemPage,
    ItemPatch,
    ListIn,
    ListInvitation,
    ListPage,
    ListPatch,
    Member,
    MemberAdd,
    ShoppingList,
)
from muninn_scheduler.schema import Paging

router = APIRouter(prefix="/v1/lists", tags=["lists"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a list")
async def create(body: ListIn, principal: CurrentPrincipal, services: Services) -> ShoppingList:
    return await services.lists.create(principal.user_id, body)


@router.get("", summary="Your lists and the ones shared with you, newest first")
async def list_lists(principal: CurrentPrincipal, services: Services, paging: Paging) -> ListPage:
    return await services.lists.page(principal.user_id, paging)


# Registered before "/{list_id}" so that "invitations" is never read as an id.
@router.get("/invitations", summary="Lists you are invited to and have not accepted or declined")
async def invitations(principal: CurrentPrincipal, services: Services) -> list[ListInvitation]:
    return await services.lists.invitations(principal.user_id)


@router.post(
    "/invitations/{list_id}/accept",
    summary="Accept an invitation: the list appears among yours as a collaborator's",
)
async def accept(list_id: str, principal: CurrentPrincipal, services: Services) -> ShoppingList:
    return await services.lists.accept(principal.user_id, list_id)


@router.post(
    "/invitations/{list_id}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Decline an invitation",
)
async def decline(list_id: str, principal: CurrentPrincipal, services: Services) -> Response:
    await services.lists.decline(principal.user_id, list_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{list_id}", summary="One list")
async def get(list_id: str, principal: CurrentPrincipal, services: Services) -> ShoppingList:
    return await services.lists.get(principal.user_id, list_id)


@router.patch("/{list_id}", summary="Rename a list or make it the default (owner only)")
async def update(
    list_id: str, body: ListPatch, principal: CurrentPrincipal, services: Services
) -> ShoppingList:
    return await services.lists.update(principal.user_id, list_id, body)


@router.delete(
    "/{list_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a list and its items (owner only)",
)
async def delete(list_id: str, principal: CurrentPrincipal, services: Services) -> Response:
    await services.lists.delete(principal.user_id, list_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{list_id}/items", summary="A list's items, newest first")
async def items(
    list_id: str,
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    completed: bool | None = None,
    category: Annotated[ItemCategory | None, Query()] = None,
) -> ItemPage:
    return await services.lists.items(
        principal.user_id, list_id, paging, completed=completed, category=category
    )


@router.post(
    "/{list_id}/items",
    status_code=status.HTTP_201_CREATED,
    summary="Add an item (201), or add to the quantity of the open item of that name and "
    "unit (200)",
)
async def add_item(
    list_id: str,
    body: ItemIn,
    principal: CurrentPrincipal,
    services: Services,
    response: Response,
) -> Item:
    item, merged = await services.lists.add_item(principal.user_id, list_id, body)
    if merged:
        response.status_code = status.HTTP_200_OK
    return item


@router.post("/{list_id}/items/clear-completed", summary="Remove the items ticked off")
async def clear_completed(list_id: str, principal: CurrentPrincipal, services: Services) -> Cleared:
    return await services.lists.clear_completed(principal.user_id, list_id)


@router.get("/{list_id}/items/{item_id}", summary="One item")
async def get_item(
    list_id: str, item_id: str, principal: CurrentPrincipal, services: Services
) -> Item:
    return await services.lists.get_item(principal.user_id, list_id, item_id)


@router.patch("/{list_id}/items/{item_id}", summary="Change an item or tick it off")
async def update_item(
    list_id: str, item_id: str, body: ItemPatch, principal: CurrentPrincipal, services: Services
) -> Item:
    return await services.lists.update_item(principal.user_id, list_id, item_id, body)


@router.delete(
    "/{list_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an item"
)
async def delete_item(
    list_id: str, item_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.lists.delete_item(principal.user_id, list_id, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{list_id}/members", summary="Who shares the list")
async def members(list_id: str, principal: CurrentPrincipal, services: Services) -> list[Member]:
    return await services.lists.members(principal.user_id, list_id)


@router.post(
    "/{list_id}/members",
    summary="Invite a collaborator (owner only); they join when they accept",
)
async def invite(
    list_id: str, body: MemberAdd, principal: CurrentPrincipal, services: Services
) -> list[Member]:
    return await services.lists.invite(principal.user_id, list_id, body)


@router.delete(
    "/{list_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a collaborator or withdraw an invitation (owner), or leave",
)
async def remove_member(
    list_id: str, user_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.lists.remove_member(principal.user_id, list_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
