"""Where a sync puts calendar events: idempotent upserts into ``calendar_events``.

A replayed page changes nothing and reports nothing: a record whose content digest is the
one stored is only re-stamped (ETag, full-sync generation).
"""

from __future__ import annotations

from typing import Any

from muninn_shared.logging import get_logger
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.calendar.store import CalendarEventStore, Outcome, Source
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.sync.sinks import Action, Applied, StoreSink, SyncScope

MAX_EVENT_ATTENDEES = 100
MAX_DATA_TEXT = 1_000
log = get_logger(__name__)


MAX_DATA_DESCRIPTION = 500  # an interaction's summary (docs/relationships.md)


def event_data(event: CalendarEvent, collection_id: str) -> dict[str, Any]:
    """What consumers (memory, the scheduler) read from ``integrations.record.synced``."""
    organizer = event.organizer
    return {
        "title": event.title[:MAX_DATA_TEXT],
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "all_day": event.all_day,
        "location": event.location[:MAX_DATA_TEXT] if event.location else None,
        "description": event.description[:MAX_DATA_DESCRIPTION] if event.description else None,
        "attendees": [
            {
                "name": attendee.name,
                "email": attendee.email,
                "status": attendee.response_status.value,
            }
            for attendee in event.attendees[:MAX_EVENT_ATTENDEES]
        ],
        "organizer": (
            {"name": organizer.name, "email": organizer.email} if organizer is not None else None
        ),
        "url": event.url[:MAX_DATA_TEXT] if event.url else None,
        "status": event.status.value,
        "recurring": event.recurring,
        "calendar": collection_id,
    }


class CalendarEventSink(StoreSink[CalendarEventStore]):
    kind = RecordKind.CALENDAR_EVENT

    async def upsert(
        self, scope: SyncScope, change: Change[Any], session: AsyncClientSession
    ) -> Applied | None:
        if not isinstance(change.record, CalendarEvent):
            log.warning("calendar_sink_unexpected_record", type=type(change.record).__name__)
            return None
        source = Source(
            scope.user_id,
            scope.connection_id,
            scope.provider,
            change.external_id,
            change.collection_id,
        )
        record_id, outcome = await self._store.upsert(
            source, change.record, etag=change.etag, generation=scope.generation, session=session
        )
        if outcome is Outcome.UNCHANGED:
            return None
        action = Action.CREATED if outcome is Outcome.CREATED else Action.UPDATED
        return Applied(record_id, action, event_data(change.record, change.collection_id))

    async def recent(
        self, user_id: str, limit: int, session: AsyncClientSession
    ) -> list[tuple[str, Applied]]:
        """The user's latest synced events as their sync applied them, each with its
        connection (``sync/catchup.py``)."""
        return [
            (
                event.connection_id,
                Applied(event.id, Action.CREATED, event_data(event.event, event.collection_id)),
            )
            for event in await self._store.latest(user_id, limit, session)
            if event.connection_id
        ]

    async def remove(
        self, scope: SyncScope, external_id: str, session: AsyncClientSession
    ) -> Applied | None:
        source = Source(scope.user_id, scope.connection_id, scope.provider, external_id, "")
        gone = await self._store.delete(source, session)
        if gone is None:
            return None
        data = {"title": gone.event.title[:MAX_DATA_TEXT], "calendar": gone.collection_id}
        return Applied(gone.id, Action.DELETED, data)
