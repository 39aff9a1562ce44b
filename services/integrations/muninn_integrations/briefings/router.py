"""/v1/contacts/{id}/briefing and /v1/contacts/{id}/memories: a briefing written on demand,
and the contact memories Muninn has announced for a contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_integrations.briefings.models import BriefingOut, ContactMemoryPage, MemoryKind
from muninn_integrations.deps import Services

router = APIRouter(prefix="/v1/contacts", tags=["briefings"])

Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get(
    "/{contact_id}/briefing",
    summary="A briefing about a contact, written now from the latest facts (not stored)",
)
async def contact_briefing(
    contact_id: Id,
    principal: CurrentPrincipal,
    services: Services,
    event_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="One of your synced calendar events to brief for; default: the "
            "contact's next meeting with a briefing, if any",
        ),
    ] = None,
) -> BriefingOut:
    return await services.briefings.briefing_now(principal.user_id, contact_id, event_id)


@router.get(
    "/{contact_id}/memories",
    summary="Current contact memories (summary, briefing, talking points), newest first",
)
async def contact_memories(
    contact_id: Id,
    principal: CurrentPrincipal,
    services: Services,
    kind: MemoryKind | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ContactMemoryPage:
    return await services.briefings.memories(
        principal.user_id, contact_id, kind=kind, limit=limit, cursor=cursor
    )
