"""/v1/contacts/{id}/interactions and /v1/interactions: the history with each contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_integrations.contacts.models import CONTACT_ID_PATTERN
from muninn_integrations.deps import Services
from muninn_integrations.interactions.models import (
    InteractionIn,
    InteractionPage,
    InteractionPatch,
    InteractionRecord,
    Kind,
)

router = APIRouter(tags=["interactions"])

ContactId = Annotated[str, Path(min_length=1, max_length=64, pattern=CONTACT_ID_PATTERN)]
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
    contact_id: ContactId, body: InteractionIn, principal: CurrentPrincipal, services: Services
) -> InteractionRecord:
    return await services.interactions.log(principal.user_id, contact_id, body)


@router.get(
    "/v1/contacts/{contact_id}/interactions",
    summary="A contact's interactions, newest first",
)
async def list_interactions(
    contact_id: ContactId,
    principal: CurrentPrincipal,
    services: Services,
    kind: Annotated[Kind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> InteractionPage:
    return await services.interactions.page(
        principal.user_id, contact_id, kind=kind, limit=limit, cursor=cursor
    )


@router.get("/v1/interactions/{interaction_id}", summary="One interaction")
async def get_interaction(
    interaction_id: InteractionId, principal: CurrentPrincipal, services: Services
) -> InteractionRecord:
    return await services.interactions.get(principal.user_id, interaction_id)


@router.patch(
    "/v1/interactions/{interaction_id}",
    summary="Edit an interaction logged by hand or from conversation (a synced one: 409)",
)
async def update_interaction(
    interaction_id: InteractionId,
    body: InteractionPatch,
    principal: CurrentPrincipal,
    services: Services,
) -> InteractionRecord:
    return await services.interactions.update(principal.user_id, interaction_id, body)


@router.delete(
    "/v1/interactions/{interaction_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an interaction logged by hand or from conversation (a synced one: 409)",
)
async def delete_interaction(
    interaction_id: InteractionId, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.interactions.delete(principal.user_id, interaction_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
