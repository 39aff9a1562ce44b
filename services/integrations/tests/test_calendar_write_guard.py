"""A write-back to a calendar server that hangs or fails is a problem, never a 500, and the
connection to the server is closed either way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from muninn_integrations.calendar.models import CalendarEvent, EventCreate
from muninn_integrations.calendar.service import CalendarService
from muninn_integrations.connectors.calendar_writer import CalendarWriter, StoredEvent
from muninn_integrations.connectors.port import SourceUnavailableError
from muninn_shared.problems import ProblemError

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Writer:
    """A calendar server that answers create with ``behaviour``."""

    provider = "caldav"

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.closed = False

    async def create_event(self, collection_id: str, event: CalendarEvent) -> StoredEvent:
        if self.behaviour == "hang":
            await asyncio.sleep(3600)
        raise SourceUnavailableError("The calendar server is down.", retry_after=7)

    async def update_event(self, href: str, event: CalendarEvent, *, etag: str) -> StoredEvent:
        raise NotImplementedError

    async def delete_event(self, href: str, *, etag: str) -> None:
        raise NotImplementedError

    async def get_event(self, href: str) -> StoredEvent:
        raise NotImplementedError

    async def aclose(self) -> None:
        self.closed = True


def service(writer: Writer) -> CalendarService:
    async def open_calendar(user_id: str, connection_id: str) -> CalendarWriter:
        return writer

    # Nothing is stored when the server refuses: no database or announcer is reached.
    return CalendarService(
        client=cast(Any, None),
        store=cast(Any, None),
        announcer=cast(Any, None),
        open_calendar=open_calendar,
        write_timeout=0.05,
    )


def new_event() -> EventCreate:
    return EventCreate(
        connection_id="conn-1",
        calendar="/cal/work/",
        title="Dentist",
        start=START,
        end=START + timedelta(hours=1),
    )


@pytest.mark.parametrize(
    ("behaviour", "status", "code"),
    [("hang", 502, "source-unavailable"), ("fail", 502, "source-unavailable")],
)
async def test_a_silent_or_failing_server_is_a_problem_and_the_connector_closes(
    behaviour: str, status: int, code: str
) -> None:
    writer = Writer(behaviour)
    with pytest.raises(ProblemError) as raised:
        await service(writer).create("ana", new_event())
    assert raised.value.status == status
    assert raised.value.code == code
    assert writer.closed
