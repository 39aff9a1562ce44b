"""Calendar events: read by time range (recurrences expanded), read one, and write back to the
source (create, update, delete with If-Match, on CalDAV or Google), storing what the source then holds so
a read right after shows it and the next sync finds nothing changed.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError, invalid_field, or_not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.calendar.ical import event_from_ical
from muninn_integrations.calendar.models import (
    MAX_OCCURRENCES,
    MAX_RANGE_DAYS,
    Attendee,
    CalendarEvent,
    EventCreate,
    EventDetail,
    EventOccurrence,
    EventPatch,
    EventStatus,
    MalformedCalendarError,
    OccurrenceList,
    OverrideSummary,
)
from muninn_integrations.calendar.recurrence import expand_event
from muninn_integrations.calendar.serialize import event_to_ical
from muninn_integrations.calendar.sink import event_data
from muninn_integrations.calendar.store import (
    CalendarEventStore,
    Outcome,
    Source,
    StoredCalendarEvent,
)
from muninn_integrations.connectors.calendar_writer import CalendarWriter, StoredEvent
from muninn_integrations.connectors.port import (
    AddressRefusedError,
    ConnectorError,
    CredentialsRejectedError,
    RecordKind,
    SourceUnavailableError,
)
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

log = get_logger(__name__)

MAX_SERIES = 1_000  # recurring records expanded for one range query
NEXT_OCCURRENCE_SCAN = 50  # occurrences looked through for the next one not cancelled
WRITE_PROVIDER = "caldav"
READ_ONLY_PROVIDERS = frozenset({"ics"})


class ReadOnlyCalendarError(Exception):
    """Raised by an ``OpenCalendar`` for a connection that cannot be written (an ICS feed)."""


# Opens a calendar writer (CalDAV, Google) for one of the user's connections with its stored
# secret; raises ProblemError 404 for an unknown connection and ReadOnlyCalendarError for a
# read-only one.
OpenCalendar = Callable[[str, str], Awaitable[CalendarWriter]]


def read_only_calendar() -> ProblemError:
    return ProblemError(
        409, "This calendar is read-only; change it at its source.", code="read-only-calendar"
    )


def changed_at_source() -> ProblemError:
    return ProblemError(
        409,
        "The event changed at its source since it was last synced; read it again and retry.",
        code="changed-at-source",
    )


def source_problem(error: ConnectorError) -> ProblemError:
    message = error.public_message
    if isinstance(error, SourceUnavailableError):
        return ProblemError(
            502,
            f"{message} Try again shortly.",
            code="source-unavailable",
            headers={"Retry-After": str(max(1, math.ceil(error.retry_after or 30)))},
        )
    if isinstance(error, CredentialsRejectedError):
        return ProblemError(422, message, code="credentials-rejected")
    if isinstance(error, AddressRefusedError):
        return ProblemError(422, message, code="address-refused")
    lowered = message.lower()
    if "changed at the server" in lowered or "no such event" in lowered:
        return changed_at_source()
    if "read-only" in lowered:
        return read_only_calendar()
    if "no such calendar" in lowered:
        return invalid_field(
            "No such calendar for this connection.",
            loc=("body", "calendar"),
            msg="unknown",
            code="unknown-calendar",
        )
    return ProblemError(422, message, code="source-refused")


def occurrence_of(record: StoredCalendarEvent, occurrence: CalendarEvent) -> EventOccurrence:
    return EventOccurrence(
        event_id=record.id,
        connection_id=record.connection_id,
        calendar=record.collection_id,
        title=occurrence.title,
        start=occurrence.start,
        end=occurrence.end,
        all_day=occurrence.all_day,
        time_zone=occurrence.time_zone,
        location=occurrence.location,
        status=occurrence.status,
        recurring=record.event.recurring,
        recurrence_id=occurrence.recurrence_id,
    )


def detail_of(record: StoredCalendarEvent) -> EventDetail:
    event = record.event
    return EventDetail(
        id=record.id,
        connection_id=record.connection_id,
        calendar=record.collection_id,
        uid=event.uid,
        title=event.title,
        description=event.description,
        location=event.location,
        start=event.start,
        end=event.end,
        all_day=event.all_day,
        time_zone=event.time_zone,
        status=event.status,
        organizer=event.organizer,
        attendees=event.attendees,
        alarms=event.alarms,
        recurring=event.recurring,
        recurrence_rule=event.recurrence_rule,
        excluded_dates=event.excluded_dates,
        overrides=[
            OverrideSummary(
                recurrence_id=o.recurrence_id,
                title=o.title,
                start=o.start,
                end=o.end,
                status=o.status,
            )
            for o in event.overrides
        ],
        url=event.url,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _expand(
    records: list[StoredCalendarEvent], start: datetime, end: datetime, limit: int
) -> tuple[list[EventOccurrence], bool]:
    found: list[EventOccurrence] = []
    truncated = False
    for record in records:
        try:
            occurrences = expand_event(record.event, start, end, limit=limit + 1)
        except (MalformedCalendarError, OverflowError, ValueError):
            log.warning("calendar_event_not_expandable", event_id=record.id)
            continue
        if len(occurrences) > limit:
            truncated = True
        found.extend(occurrence_of(record, o) for o in occurrences[:limit])
    return found, truncated


class CalendarService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: CalendarEventStore,
        announcer: RecordAnnouncer,
        open_calendar: OpenCalendar,
        write_timeout: float = 60.0,
    ) -> None:
        self._client = client
        self._store = store
        self._announcer = announcer
        self._open_calendar = open_calendar
        self._write_timeout = write_timeout

    # --- reads ---

    async def occurrences(
        self,
        user_id: str,
        start: datetime,
        end: datetime,
        *,
        limit: int = 500,
        connection_id: str | None = None,
        collection_id: str | None = None,
    ) -> OccurrenceList:
        if end <= start:
            raise invalid_range("end must be after start")
        if end - start > timedelta(days=MAX_RANGE_DAYS):
            raise invalid_range(f"the range spans at most {MAX_RANGE_DAYS} days")
        limit = max(1, min(limit, MAX_OCCURRENCES))
        filters: dict[str, Any] = {"connection_id": connection_id, "collection_id": collection_id}
        singles = await self._store.in_range(
            user_id, start, end, recurring=False, limit=limit + 1, **filters
        )
        series = await self._store.in_range(
            user_id, start, end, recurring=True, limit=MAX_SERIES + 1, **filters
        )
        truncated = len(series) > MAX_SERIES
        found, cut = await asyncio.to_thread(
            _expand, singles + series[:MAX_SERIES], start, end, limit
        )
        found.sort(key=lambda o: (o.start, o.event_id))
        truncated = truncated or cut or len(found) > limit
        return OccurrenceList(items=found[:limit], truncated=truncated)

    async def get(self, user_id: str, event_id: str) -> EventDetail:
        return detail_of(await self._record(user_id, event_id))

    async def next_occurrence(
        self,
        user_id: str,
        event_id: str,
        after: datetime,
        *,
        within: timedelta,
        session: AsyncClientSession | None = None,
    ) -> EventOccurrence | None:
        """The event's first occurrence starting after ``after`` (and before ``after +
        within``) that is not cancelled; None when there is none or it cannot be expanded.
        ``session``: read inside a transaction that just changed the event."""
        record = await self._store.get(user_id, event_id, session)
        if record is None:
            return None
        try:
            found = await asyncio.to_thread(
                expand_event, record.event, after, after + within, limit=NEXT_OCCURRENCE_SCAN
            )
        except (MalformedCalendarError, OverflowError, ValueError):
            log.warning("calendar_event_not_expandable", event_id=record.id)
            return None
        for occurrence in found:
            if occurrence.start > after and occurrence.status is not EventStatus.CANCELLED:
                return occurrence_of(record, occurrence)
        return None

    async def series(
        self, user_id: str, event_ids: Sequence[str], session: AsyncClientSession | None = None
    ) -> dict[str, CalendarEvent]:
        """The user's stored events of these ids, as synced (with their iCalendar text, so a
        series can be expanded); ``session``: read inside the transaction that applied them."""
        if not event_ids:
            return {}
        found = await self._store.some(user_id, list(dict.fromkeys(event_ids)), session)
        return {record.id: record.event for record in found}

    async def recurring_after(
        self, after_id: str | None, limit: int
    ) -> list[tuple[str, str, str | None, str | None]]:
        """Every user's series in id order, ``limit`` after ``after_id``: (id, user,
        connection, provider)."""
        return await self._store.recurring_after(after_id, limit)

    async def _record(self, user_id: str, event_id: str) -> StoredCalendarEvent:
        return or_not_found(await self._store.get(user_id, event_id), "Event")

    # --- write-back ---

    async def create(self, user_id: str, body: EventCreate) -> EventDetail:
        event = CalendarEvent(
            uid=f"{uuid.uuid4().hex}-muninn",
            title=body.title,
            description=body.description,
            location=body.location,
            start=body.start,
            end=body.end,
            all_day=body.all_day,
            time_zone=checked_zone(body.time_zone),
            attendees=[Attendee(email=a.email, name=a.name) for a in (body.attendees or [])],
        )
        event = normalized_times(event)
        async with self._writing(user_id, body.connection_id) as connector:
            written = await connector.create_event(body.calendar, event)
            stored = await self._read_back(connector, written, event)
        source = Source(user_id, body.connection_id, connector.provider, stored.href, body.calendar)
        return await self._keep(source, stored)

    async def update(self, user_id: str, event_id: str, patch: EventPatch) -> EventDetail:
        record = await self._writable_record(user_id, event_id)
        event = record.event
        changes: dict[str, Any] = {}
        for name in ("title", "start", "end", "all_day", "location", "description"):
            if name in patch.model_fields_set:
                value = getattr(patch, name)
                if value is None and name in ("title", "start", "end", "all_day"):
                    raise invalid_field(
                        f"{name} cannot be removed.", loc=("body", name), msg="may not be null"
                    )
                changes[name] = value
        if "time_zone" in patch.model_fields_set:
            changes["time_zone"] = checked_zone(patch.time_zone)
        if patch.attendees is not None:
            known = {a.email.lower(): a for a in event.attendees if a.email}
            changes["attendees"] = [
                known[a.email.lower()].model_copy(
                    update={"name": a.name or known[a.email.lower()].name}
                )
                if a.email.lower() in known
                else Attendee(email=a.email, name=a.name)
                for a in patch.attendees
            ]
        if not changes:
            return detail_of(record)
        changes["sequence"] = event.sequence + 1
        updated = normalized_times(event.model_copy(update=changes))
        assert record.connection_id is not None  # _writable_record checked it
        async with self._writing(user_id, record.connection_id) as connector:
            etag = record.etag or await self._current_etag(connector, record.external_id)
            written = await connector.update_event(record.external_id, updated, etag=etag)
            stored = await self._read_back(connector, written, updated)
        source = Source(
            user_id, record.connection_id, record.provider, record.external_id, record.collection_id
        )
        return await self._keep(source, stored)

    async def delete(self, user_id: str, event_id: str) -> None:
        record = await self._writable_record(user_id, event_id)
        assert record.connection_id is not None
        async with self._writing(user_id, record.connection_id) as connector:
            etag = record.etag or await self._current_etag(connector, record.external_id)
            await connector.delete_event(record.external_id, etag=etag)
        scope = SyncScope(user_id, record.connection_id, record.provider or WRITE_PROVIDER, None)
        gone = Applied(
            event_id,
            Action.DELETED,
            {"title": record.event.title, "calendar": record.collection_id},
        )

        async def forget(session: AsyncClientSession) -> None:
            # Announced with the change: memory and the scheduler hear of edits made here as
            # they do of edits made at the source (the next sync sees nothing new).
            if await self._store.delete_by_id(user_id, event_id, session):
                await self._announcer.announce(scope, RecordKind.CALENDAR_EVENT, [gone], session)

        await in_transaction(self._client, forget)

    async def _writable_record(self, user_id: str, event_id: str) -> StoredCalendarEvent:
        record = await self._record(user_id, event_id)
        if record.connection_id is None or record.provider in READ_ONLY_PROVIDERS:
            raise read_only_calendar()
        return record

    @asynccontextmanager
    async def _writing(self, user_id: str, connection_id: str) -> AsyncIterator[CalendarWriter]:
        """The connection's calendar for one write, bounded by the write timeout: a server
        that fails or stays silent is a problem (never a 500), and the connector is closed
        whatever happens."""
        connector = await self._open(user_id, connection_id)
        try:
            async with asyncio.timeout(self._write_timeout):
                yield connector
        except TimeoutError:
            raise source_problem(
                SourceUnavailableError("The server did not answer in time.")
            ) from None
        except ConnectorError as exc:
            raise source_problem(exc) from None
        finally:
            await connector.aclose()

    async def _open(self, user_id: str, connection_id: str) -> CalendarWriter:
        try:
            return await self._open_calendar(user_id, connection_id)
        except ReadOnlyCalendarError:
            raise read_only_calendar() from None
        except ConnectorError as exc:
            raise source_problem(exc) from None

    @staticmethod
    async def _current_etag(connector: CalendarWriter, href: str) -> str:
        current = await connector.get_event(href)
        if current.etag is None:
            raise changed_at_source()
        return current.etag

    @staticmethod
    async def _read_back(
        connector: CalendarWriter, written: StoredEvent, sent: CalendarEvent
    ) -> StoredEvent:
        """What the server holds now, as the next sync will see it."""
        current = await connector.get_event(written.href)
        if current.event is not None:
            return current
        # The server gave back nothing readable: keep what was sent.
        text = event_to_ical(sent)
        return StoredEvent(written.href, current.etag or written.etag, event_from_ical(text))

    async def _keep(self, source: Source, stored: StoredEvent) -> EventDetail:
        if stored.event is None:
            raise changed_at_source()
        event = stored.event

        async def keep(session: AsyncClientSession) -> None:
            record_id, outcome = await self._store.upsert(
                source, event, etag=stored.etag, generation=None, session=session
            )
            if outcome is Outcome.UNCHANGED or source.connection_id is None:
                return
            action = Action.CREATED if outcome is Outcome.CREATED else Action.UPDATED
            scope = SyncScope(
                source.user_id, source.connection_id, source.provider or WRITE_PROVIDER, None
            )
            changed = Applied(record_id, action, event_data(event, source.collection_id))
            await self._announcer.announce(scope, RecordKind.CALENDAR_EVENT, [changed], session)

        await in_transaction(self._client, keep)
        record = await self._store.find(source)
        if record is None:  # removed meanwhile by a sync
            raise changed_at_source()
        return detail_of(record)


def invalid_range(why: str) -> ProblemError:
    return invalid_field(
        f"The time range is not valid: {why}.", loc=("query", "end"), msg=why, code="invalid-range"
    )


def checked_zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid_field(
            "time_zone must be an IANA time zone name, e.g. Europe/Lisbon.",
            loc=("body", "time_zone"),
            msg="unknown zone",
        ) from None
    return name


def normalized_times(event: CalendarEvent) -> CalendarEvent:
    """An all-day event spans whole days (at least one); a timed one ends after it starts."""
    if event.all_day:
        end = event.end
        if end.date() <= event.start.date():
            end = event.start + timedelta(days=1)
        return event.model_copy(update={"end": end})
    if event.end <= event.start:
        raise invalid_field(
            "end must be after start.", loc=("body", "end"), msg="must be after start"
        )
    if event.end - event.start > timedelta(days=MAX_RANGE_DAYS):
        raise invalid_field(
            f"An event lasts at most {MAX_RANGE_DAYS} days.", loc=("body", "end"), msg="too long"
        )
    return event
