"""/v1/contacts/{id}/interactions and /v1/interactions: the history with each contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_integrations.deps import CurrentCaller, PathId
from muninn_integrations.interactions.models import (
    InteractionIn,
    InteractionPage,
    InteractionPatch,
    InteractionRecord,
    Kind,
)

router = APIRouter(tags=["interactions"])

# A synced interaction's id is '<record id>:<contact id>'.
InteractionId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?$")
]


@router.post(
    "/v1/contacts/{contact_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    summary="Log an interaction by hand (a call, a coffee, a message elsewhere)",
)
async def log_interaction(
    contact_id: PathId, body: InteractionIn, caller: CurrentCaller
) -> InteractionRecord:
    return await caller.services.interactions.log(caller.user_id, contact_id, body)


@router.get(
    "/v1/contacts/{contact_id}/interactions",
    summary="A contact's interactions, newest first",
)
async def list_interactions(
    contact_id: PathId,
    caller: CurrentCaller,
    kind: Annotated[Kind | None, Query()] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> InteractionPage:
    return await caller.services.interactions.page(
        caller.user_id, contact_id, kind=kind, limit=limit, cursor=cursor
    )


@router.get("/v1/interactions/{interaction_id}", summary="One interaction")
async def get_interaction(
    interaction_id: InteractionId, caller: CurrentCaller
) -> InteractionRecord:
    return await caller.services.interactions.get(caller.user_id, interaction_id)


@router.patch(
    "/v1/interactions/{interaction_id}",
    summary="Edit an interaction logged by hand or from conversation (a synced one: 409)",
)
async def update_interaction(
    interaction_id: InteractionId,
    body: InteractionPatch,
    caller: CurrentCaller,
) -> InteractionRecord:
    return await caller.services.interactions.update(caller.user_id, interaction_id, body)


@router.delete(
    "/v1/interactions/{interaction_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an interaction logged by hand or from conversation (a synced one: 409)",
)
async def delete_interaction(interaction_id: InteractionId, caller: CurrentCaller) -> Response:
    await caller.services.interactions.delete(caller.user_id, interaction_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
