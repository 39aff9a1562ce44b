"""/v1/contacts/{id}/briefing and /v1/contacts/{id}/memories: a briefing written on demand,
and the contact memories Muninn has announced for a contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_integrations.briefings.models import BriefingOut, ContactMemoryPage, MemoryKind
from muninn_integrations.deps import ID_PATTERN, CurrentCaller, PathId

router = APIRouter(prefix="/v1/contacts", tags=["briefings"])


@router.get(
    "/{contact_id}/briefing",
    summary="A briefing about a contact, written now from the latest facts (not stored)",
)
async def contact_briefing(
    contact_id: PathId,
    caller: CurrentCaller,
    event_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=ID_PATTERN,
            description="One of your synced calendar events to brief for; default: the "
            "contact's next meeting with a briefing, if any",
        ),
    ] = None,
) -> BriefingOut:
    return await caller.services.briefings.briefing_now(caller.user_id, contact_id, event_id)


@router.get(
    "/{contact_id}/memories",
    summary="Current contact memories (summary, briefing, talking points), newest first",
)
async def contact_memories(
    contact_id: PathId,
    caller: CurrentCaller,
    kind: MemoryKind | None = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> ContactMemoryPage:
    return await caller.services.briefings.memories(
        caller.user_id, contact_id, kind=kind, limit=limit, cursor=cursor
    )
