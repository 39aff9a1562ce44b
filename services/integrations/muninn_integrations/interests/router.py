"""/v1/contacts/{id}/interests: what a contact cares about, strongest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_integrations.deps import Services
from muninn_integrations.interests.models import ContactInterest, InterestCreate, InterestList

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get(
    "/{contact_id}/interests",
    summary="A contact's interests, by confidence decayed to now, strongest first",
)
async def list_interests(
    contact_id: Id,
    principal: CurrentPrincipal,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> InterestList:
    return await services.interests.of_contact(principal.user_id, contact_id, limit)


@router.post(
    "/{contact_id}/interests",
    status_code=status.HTTP_201_CREATED,
    summary="Say a contact cares about something (kept at full confidence, never fading)",
)
async def add_interest(
    contact_id: Id, body: InterestCreate, principal: CurrentPrincipal, services: Services
) -> ContactInterest:
    return await services.interests.add(principal.user_id, contact_id, body)


@router.delete(
    "/{contact_id}/interests/{interest_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Forget an interest (an inferred one comes back if mentioned again)",
)
async def delete_interest(
    contact_id: Id, interest_id: Id, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.interests.remove(principal.user_id, contact_id, interest_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
