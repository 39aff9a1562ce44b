"""Google Calendar (API v3): the account's calendars synced incrementally with per-calendar
sync tokens, and written back with conditional requests (If-Match the event's ETag).

External ids are ``<calendar id>/<event id>``: one event (an invitation) can sit in several
of the user's calendars under the same id. A recurring series is one record, its changed
and cancelled occurrences folded in (``calendar_map.series_event``).

Cursor: ``{"p": "calendar", "t": {calendar: syncToken}, "todo": [calendars left in this
pass], "page": pageToken}``; a calendar without a sync token is listed in full.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from muninn_shared.logging import get_logger

from muninn_integrations.calendar.models import CalendarEvent, MalformedCalendarError
from muninn_integrations.connectors.calendar_writer import StoredEvent
from muninn_integrations.connectors.google.api import GoogleApi
from muninn_integrations.connectors.google.calendar_map import (
    event_from_google,
    event_to_google,
    series_event,
)
from muninn_integrations.connectors.google.cursor import decode_cursor, encode_cursor
from muninn_integrations.connectors.port import (
    Change,
    Collection,
    RecordKind,
    SourceRejectedError,
    SyncPage,
)

log = get_logger(__name__)

PRODUCT = "calendar"
MAX_PAGE = 2500  # events.list's own maximum
MAX_CALENDARS = 250
_WRITERS = frozenset({"owner", "writer"})


def external_id(calendar_id: str, event_id: str) -> str:
    return f"{calendar_id}/{event_id}"


def split_external_id(href: str) -> tuple[str, str]:
    calendar_id, _, event_id = href.rpartition("/")
    if not calendar_id or not event_id:
        raise SourceRejectedError("No such event in this account's calendars.")
    return calendar_id, event_id


class GoogleCalendar:
    provider = "google"

    def __init__(self, api: GoogleApi, base_url: str) -> None:
        self._api = api
        self._base = base_url.rstrip("/")
        self._calendars: list[dict[str, Any]] | None = None

    def _events_url(self, calendar_id: str, event_id: str | None = None) -> str:
        url = f"{self._base}/calendars/{quote(calendar_id, safe='@')}/events"
        return f"{url}/{quote(event_id, safe='')}" if event_id is not None else url

    async def calendars(self) -> list[dict[str, Any]]:
        if self._calendars is None:
            found: list[dict[str, Any]] = []
            page: str | None = None
            while len(found) < MAX_CALENDARS:
                answer = await self._api.get_json(
                    f"{self._base}/users/me/calendarList",
                    {"maxResults": 250, "pageToken": page},
                )
                # A calendar shared as free/busy only has no events to read (listing them
                # answers 403): it is not offered.
                found += [
                    c
                    for c in answer.get("items", [])
                    if isinstance(c, dict)
                    and c.get("id")
                    and c.get("accessRole") != "freeBusyReader"
                ]
                page = answer.get("nextPageToken")
                if not page:
                    break
            self._calendars = found[:MAX_CALENDARS]
        return self._calendars

    async def account(self) -> str | None:
        """The account's address: the id of its primary calendar."""
        for calendar in await self.calendars():
            if calendar.get("primary"):
                return str(calendar["id"])
        return None

    async def check(self) -> list[Collection]:
        return [
            Collection(
                id=str(c["id"]),
                name=str(c.get("summaryOverride") or c.get("summary") or c["id"])[:200],
                kind=RecordKind.CALENDAR_EVENT,
                read_only=c.get("accessRole") not in _WRITERS,
                extras={"time_zone": str(c.get("timeZone", ""))},
            )
            for c in await self.calendars()
        ]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[CalendarEvent]:
        state = decode_cursor(cursor, PRODUCT) or {"t": {}, "todo": None}
        tokens: dict[str, str] = dict(state.get("t") or {})
        todo: list[str] = list(state.get("todo") or [])
        page_token: str | None = state.get("page")
        if not todo:
            # A new pass: every calendar the account has now. A calendar removed from the
            # list is forgotten; its events go with the next full sync.
            todo = [str(c["id"]) for c in await self.calendars()]
            tokens = {k: v for k, v in tokens.items() if k in todo}
            page_token = None
        if not todo:
            return SyncPage(changes=[], cursor=encode_cursor({"t": tokens, "todo": []}, PRODUCT))
        calendar_id = todo[0]
        params: dict[str, Any] = {
            "maxResults": max(1, min(page_size, MAX_PAGE)),
            "showDeleted": True,
            "singleEvents": False,
            "pageToken": page_token,
        }
        if calendar_id in tokens:
            params["syncToken"] = tokens[calendar_id]
        answer = await self._api.get_json(self._events_url(calendar_id), params)
        changes = await self._changes_of(calendar_id, answer.get("items", []))
        following: dict[str, Any] = {"t": tokens, "todo": todo}
        if answer.get("nextPageToken"):
            following["page"] = answer["nextPageToken"]
        else:
            if answer.get("nextSyncToken"):
                tokens[calendar_id] = str(answer["nextSyncToken"])
            following["todo"] = todo[1:]
        more = bool(following.get("page")) or bool(following["todo"])
        return SyncPage(changes=changes, cursor=encode_cursor(following, PRODUCT), more=more)

    async def _changes_of(
        self, calendar_id: str, items: list[dict[str, Any]]
    ) -> list[Change[CalendarEvent]]:
        changes: list[Change[CalendarEvent]] = []
        series: dict[str, str | None] = {}
        skipped = 0
        for item in items:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            master = item.get("recurringEventId")
            if master:
                series.setdefault(str(master), item.get("iCalUID"))
            elif item.get("recurrence") and item.get("status") != "cancelled":
                series.setdefault(str(item["id"]), item.get("iCalUID"))
            else:
                change = self._single(calendar_id, item)
                if change is None:
                    skipped += 1
                else:
                    changes.append(change)
        for master_id, ical_uid in series.items():
            changes += await self._series(calendar_id, master_id, ical_uid, items)
        if skipped:
            log.warning("google_events_skipped", calendar=calendar_id, count=skipped)
        return changes

    def _single(self, calendar_id: str, item: dict[str, Any]) -> Change[CalendarEvent] | None:
        identity = external_id(calendar_id, str(item["id"]))
        if item.get("status") == "cancelled":
            return Change(RecordKind.CALENDAR_EVENT, identity, calendar_id, None)
        try:
            event = event_from_google(item)
        except MalformedCalendarError:
            return None
        return Change(
            RecordKind.CALENDAR_EVENT, identity, calendar_id, event, etag=item.get("etag")
        )

    async def _series(
        self,
        calendar_id: str,
        master_id: str,
        ical_uid: str | None,
        seen: list[dict[str, Any]],
    ) -> list[Change[CalendarEvent]]:
        """The whole series as it is now: its master and every changed or cancelled
        occurrence, wherever they fell in the pages."""
        listed = await self._series_items(calendar_id, master_id, ical_uid)
        master = next((i for i in listed if i.get("id") == master_id), None)
        identity = external_id(calendar_id, master_id)
        if master is None or master.get("status") == "cancelled":
            gone: list[Change[CalendarEvent]] = [
                Change(RecordKind.CALENDAR_EVENT, identity, calendar_id, None)
            ]
            # An occurrence the user was invited to alone has no master in their calendar.
            for item in seen:
                if item.get("recurringEventId") == master_id and master is None:
                    single = self._single(calendar_id, item)
                    if single is not None:
                        gone.append(single)
            return gone
        exceptions = [i for i in listed if i.get("recurringEventId") == master_id]
        try:
            event = series_event(master, exceptions)
        except MalformedCalendarError:
            log.warning("google_series_skipped", calendar=calendar_id)
            return []
        # The master's ETag does not change when one occurrence does: a series with
        # exceptions is compared by content (the write-back reads the ETag when it needs it).
        etag = None if exceptions else master.get("etag")
        return [Change(RecordKind.CALENDAR_EVENT, identity, calendar_id, event, etag=etag)]

    async def _series_items(
        self, calendar_id: str, master_id: str, ical_uid: str | None
    ) -> list[dict[str, Any]]:
        if not ical_uid:
            reply = await self._api.call(
                "GET", self._events_url(calendar_id, master_id), allow=frozenset({404, 410})
            )
            return [reply.json()] if reply.status < 400 else []
        found: list[dict[str, Any]] = []
        page: str | None = None
        for _ in range(10):
            answer = await self._api.get_json(
                self._events_url(calendar_id),
                {
                    "iCalUID": ical_uid,
                    "showDeleted": True,
                    "singleEvents": False,
                    "maxResults": MAX_PAGE,
                    "pageToken": page,
                },
            )
            found += [i for i in answer.get("items", []) if isinstance(i, dict)]
            page = answer.get("nextPageToken")
            if not page:
                break
        return found

    # -- write-back (connectors.calendar_writer) -------------------------------------------

    async def create_event(self, collection_id: str, event: CalendarEvent) -> StoredEvent:
        await self._writable(collection_id)
        reply = await self._api.call(
            "POST", self._events_url(collection_id), body=event_to_google(event), writing=True
        )
        return self._stored(collection_id, reply.json())

    async def update_event(self, href: str, event: CalendarEvent, *, etag: str) -> StoredEvent:
        calendar_id, event_id = split_external_id(href)
        await self._writable(calendar_id)
        reply = await self._api.call(
            "PATCH",
            self._events_url(calendar_id, event_id),
            body=event_to_google(event),
            headers={"If-Match": etag},
            writing=True,
        )
        return self._stored(calendar_id, reply.json())

    async def delete_event(self, href: str, *, etag: str) -> None:
        calendar_id, event_id = split_external_id(href)
        await self._writable(calendar_id)
        await self._api.call(
            "DELETE",
            self._events_url(calendar_id, event_id),
            headers={"If-Match": etag},
            writing=True,
        )

    async def get_event(self, href: str) -> StoredEvent:
        calendar_id, event_id = split_external_id(href)
        reply = await self._api.call("GET", self._events_url(calendar_id, event_id), writing=True)
        item = reply.json()
        if item.get("status") == "cancelled":
            raise SourceRejectedError("No such event in this account's calendars.")
        if item.get("recurrence"):
            changes = await self._series(calendar_id, event_id, item.get("iCalUID"), [])
            event = changes[0].record if changes else None
            return StoredEvent(href, item.get("etag"), event)
        return self._stored(calendar_id, item)

    def _stored(self, calendar_id: str, item: dict[str, Any]) -> StoredEvent:
        if not item.get("id"):
            raise SourceRejectedError("Google answered without the event.")
        try:
            event: CalendarEvent | None = event_from_google(item)
        except MalformedCalendarError:
            event = None
        return StoredEvent(external_id(calendar_id, str(item["id"])), item.get("etag"), event)

    async def _writable(self, calendar_id: str) -> None:
        for calendar in await self.calendars():
            if calendar.get("id") == calendar_id:
                if calendar.get("accessRole") not in _WRITERS:
                    raise SourceRejectedError("This calendar is read-only.")
                return
        raise SourceRejectedError("No such calendar for this account.")
