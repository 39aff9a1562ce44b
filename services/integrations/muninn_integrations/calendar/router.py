"""/v1/calendar: events by time range (recurrences expanded), one event, and write-back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime

from muninn_integrations.calendar.models import (
    MAX_OCCURRENCES,
    EventCreate,
    EventDetail,
    EventPatch,
    OccurrenceList,
)
from muninn_integrations.deps import ID_PATTERN, CurrentCaller, PathId

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


@router.get("/events", summary="Your events in a time range, recurring ones expanded, by start")
async def list_events(
    caller: CurrentCaller,
    start: Annotated[AwareDatetime, Query(description="inclusive, with a UTC offset")],
    end: Annotated[AwareDatetime, Query(description="exclusive; at most 366 days after start")],
    connection_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)
    ] = None,
    calendar: Annotated[
        str | None, Query(min_length=1, max_length=1024, description="a calendar's collection id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_OCCURRENCES)] = 500,
) -> OccurrenceList:
    return await caller.services.calendar.occurrences(
        caller.user_id,
        start,
        end,
        limit=limit,
        connection_id=connection_id,
        collection_id=calendar,
    )


@router.get("/events/{event_id}", summary="One event (a series master) with attendees and alarms")
async def get_event(event_id: PathId, caller: CurrentCaller) -> EventDetail:
    return await caller.services.calendar.get(caller.user_id, event_id)


@router.post(
    "/events",
    status_code=status.HTTP_201_CREATED,
    summary="Create an event in one of your calendars at its source",
)
async def create_event(body: EventCreate, caller: CurrentCaller) -> EventDetail:
    return await caller.services.calendar.create(caller.user_id, body)


@router.patch(
    "/events/{event_id}", summary="Change an event at its source (refused if it changed there)"
)
async def update_event(event_id: PathId, body: EventPatch, caller: CurrentCaller) -> EventDetail:
    return await caller.services.calendar.update(caller.user_id, event_id, body)


@router.delete(
    "/events/{event_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an event at its source (refused if it changed there)",
)
async def delete_event(event_id: PathId, caller: CurrentCaller) -> Response:
    await caller.services.calendar.delete(caller.user_id, event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
