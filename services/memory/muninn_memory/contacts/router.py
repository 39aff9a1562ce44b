"""/v1/people/search: find contacts by what you remember about them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.contacts.models import PeopleSearchResponse
from muninn_memory.deps import Services

router = APIRouter(prefix="/v1/people", tags=["people"])


@router.get("/search", summary="Contacts whose cards, interactions and memories match a question")
async def search_people(
    principal: CurrentPrincipal,
    services: Services,
    q: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\S")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> PeopleSearchResponse:
    return await services.contacts.people(principal.user_id, q.strip(), limit)
