"""/v1/calendar: events by time range (recurrences expanded), one event, and write-back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal
from pydantic import AwareDatetime

from muninn_integrations.calendar.models import (
    MAX_OCCURRENCES,
    EventCreate,
    EventDetail,
    EventPatch,
    OccurrenceList,
)
from muninn_integrations.deps import Services

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])

EventId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/events", summary="Your events in a time range, recurring ones expanded, by start")
async def list_events(
    principal: CurrentPrincipal,
    services: Services,
    start: Annotated[AwareDatetime, Query(description="inclusive, with a UTC offset")],
    end: Annotated[AwareDatetime, Query(description="exclusive; at most 366 days after start")],
    connection_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    ] = None,
    calendar: Annotated[
        str | None, Query(min_length=1, max_length=1024, description="a calendar's collection id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_OCCURRENCES)] = 500,
) -> OccurrenceList:
    return await services.calendar.occurrences(
        principal.user_id,
        start,
        end,
        limit=limit,
        connection_id=connection_id,
        collection_id=calendar,
    )


@router.get("/events/{event_id}", summary="One event (a series master) with attendees and alarms")
async def get_event(
    event_id: EventId, principal: CurrentPrincipal, services: Services
) -> EventDetail:
    return await services.calendar.get(principal.user_id, event_id)


@router.post(
    "/events",
    status_code=status.HTTP_201_CREATED,
    summary="Create an event in one of your calendars at its source",
)
async def create_event(
    body: EventCreate, principal: CurrentPrincipal, services: Services
) -> EventDetail:
    return await services.calendar.create(principal.user_id, body)


@router.patch(
    "/events/{event_id}", summary="Change an event at its source (refused if it changed there)"
)
async def update_event(
    event_id: EventId, body: EventPatch, principal: CurrentPrincipal, services: Services
) -> EventDetail:
    return await services.calendar.update(principal.user_id, event_id, body)


@router.delete(
    "/events/{event_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an event at its source (refused if it changed there)",
)
async def delete_event(
    event_id: EventId, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.calendar.delete(principal.user_id, event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
