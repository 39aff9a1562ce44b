"""/v1/contacts/{id}/interests: what a contact cares about, strongest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from muninn_integrations.deps import CurrentCaller, PathId
from muninn_integrations.interests.models import ContactInterest, InterestCreate, InterestList

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.get(
    "/{contact_id}/interests",
    summary="A contact's interests, by confidence decayed to now, strongest first",
)
async def list_interests(
    contact_id: PathId,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> InterestList:
    return await caller.services.interests.of_contact(caller.user_id, contact_id, limit)


@router.post(
    "/{contact_id}/interests",
    status_code=status.HTTP_201_CREATED,
    summary="Say a contact cares about something (kept at full confidence, never fading)",
)
async def add_interest(
    contact_id: PathId, body: InterestCreate, caller: CurrentCaller
) -> ContactInterest:
    return await caller.services.interests.add(caller.user_id, contact_id, body)


@router.delete(
    "/{contact_id}/interests/{interest_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Forget an interest (an inferred one comes back if mentioned again)",
)
async def delete_interest(
    contact_id: PathId, interest_id: PathId, caller: CurrentCaller
) -> Response:
    await caller.services.interests.remove(caller.user_id, contact_id, interest_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
