"""The routes of a resource each user owns by id: read it, change it, delete it.

Every such resource (a note, a project, a reminder, a task ...) answers them the same way: its
feature service takes the caller's user id and the item id (404 for another user's id), and a
delete answers 204 with no body. A router adds them with ``add_owned_item_routes``, naming the
path parameter, the models and the summaries, so the API reads as if each were written out.

(No ``from __future__ import annotations`` here: the endpoints' annotations must be the
feature's own classes, evaluated where the routes are added, for FastAPI to read them.)
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Path, Response, status

from muninn_shared.auth import CurrentPrincipal


class OwnedItems(Protocol):
    """What a feature service offers for its users' items."""

    async def get(self, user_id: str, item_id: str, /) -> Any: ...

    async def update(self, user_id: str, item_id: str, patch: Any, /) -> Any: ...

    async def delete(self, user_id: str, item_id: str, /) -> None: ...


def add_owned_item_routes(
    router: APIRouter,
    items: Callable[..., Any],
    *,
    id_name: str,
    model: type[Any],
    patch_model: type[Any],
    get_summary: str | None = None,
    patch_summary: str | None = None,
    delete_summary: str | None = None,
    patch_name: str = "patch",
) -> None:
    """GET, PATCH and DELETE ``/{id_name}`` on ``router``.

    ``items`` is a FastAPI dependency giving the feature service; ``patch_name`` the PATCH
    endpoint's name (part of its OpenAPI operation id); the others are named get and delete.
    """
    path = "/{" + id_name + "}"
    ItemId = Annotated[str, Path(alias=id_name)]  # noqa: N806 - a type, named as one
    Items = Annotated[OwnedItems, Depends(items)]  # noqa: N806

    async def get(item_id: ItemId, principal: CurrentPrincipal, service: Items) -> Any:
        return await service.get(principal.user_id, item_id)

    async def patch(
        item_id: ItemId,
        body: patch_model,  # type: ignore[valid-type]
        principal: CurrentPrincipal,
        service: Items,
    ) -> Any:
        return await service.update(principal.user_id, item_id, body)

    async def delete(item_id: ItemId, principal: CurrentPrincipal, service: Items) -> Response:
        await service.delete(principal.user_id, item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    router.add_api_route(
        path, get, methods=["GET"], response_model=model, summary=get_summary, name="get"
    )
    router.add_api_route(
        path,
        patch,
        methods=["PATCH"],
        response_model=model,
        summary=patch_summary,
        name=patch_name,
    )
    router.add_api_route(
        path,
        delete,
        methods=["DELETE"],
        status_code=status.HTTP_204_NO_CONTENT,
        summary=delete_summary,
        name="delete",
    )
