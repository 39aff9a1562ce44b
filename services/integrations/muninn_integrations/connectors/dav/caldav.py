"""CalDAV: a user's calendars, synced as ``CalendarEvent`` records, and written back.

Writes are conditional so a change made at the server meanwhile is never overwritten: create
with ``If-None-Match: *``, update and delete with ``If-Match`` the ETag last read; a refused
precondition (412) is a ``SourceRejectedError`` and the caller re-reads.
"""

from __future__ import annotations

import hashlib
import re

from muninn_integrations.calendar.ical import event_from_ical
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.calendar.serialize import event_to_ical
from muninn_integrations.connectors.calendar_writer import StoredEvent
from muninn_integrations.connectors.dav.connector import DavConnector
from muninn_integrations.connectors.dav.discovery import DavCollection
from muninn_integrations.connectors.dav.multistatus import CALDAV
from muninn_integrations.connectors.port import RecordKind, SourceRejectedError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_CALENDAR_TYPE = "text/calendar; charset=utf-8"


__all__ = ["CalDavConnector", "StoredEvent", "resource_name"]


class CalDavConnector(DavConnector[CalendarEvent]):
    provider = "caldav"  # the calendar write-back seam (connectors.calendar_writer)
    namespace = CALDAV
    kind = RecordKind.CALENDAR_EVENT

    def parse(self, text: str) -> CalendarEvent | None:
        return event_from_ical(text)

    async def create_event(self, collection_id: str, event: CalendarEvent) -> StoredEvent:
        collection = await self._writable(collection_id)
        href = f"{collection.path}{resource_name(event.uid)}.ics"
        return await self._put(href, event, {"If-None-Match": "*"})

    async def update_event(self, href: str, event: CalendarEvent, *, etag: str) -> StoredEvent:
        await self._writable_item(href)
        return await self._put(href, event, {"If-Match": etag})

    async def delete_event(self, href: str, *, etag: str) -> None:
        await self._writable_item(href)
        await self.client.request("DELETE", href, headers={"If-Match": etag}, writing=True)

    async def get_event(self, href: str) -> StoredEvent:
        """The event as the server holds it now (read back after a write, or before one)."""
        await self._collection_of(href)
        reply = await self.client.request("GET", href)
        event = event_from_ical(reply.body.decode("utf-8", errors="replace"))
        return StoredEvent(href=href, etag=reply.headers.get("ETag"), event=event)

    async def _put(self, href: str, event: CalendarEvent, condition: dict[str, str]) -> StoredEvent:
        body = event_to_ical(event).encode()
        headers = {"Content-Type": _CALENDAR_TYPE, **condition}
        reply = await self.client.request("PUT", href, body=body, headers=headers, writing=True)
        # A server that altered what it stored sends no ETag (RFC 4791 5.3.4): read it back.
        return StoredEvent(href=href, etag=reply.headers.get("ETag"))

    async def _writable_item(self, href: str) -> None:
        collection = await self._collection_of(href)
        if collection.read_only:
            raise SourceRejectedError("This calendar is read-only.")

    async def _writable(self, collection_id: str) -> DavCollection:
        for collection in await self.collections():
            if collection.path == collection_id:
                if collection.read_only:
                    raise SourceRejectedError("This calendar is read-only.")
                return collection
        raise SourceRejectedError("No such calendar for this account.")

    async def _collection_of(self, href: str) -> DavCollection:
        for collection in await self.collections():
            if href.startswith(collection.path) and href != collection.path and ".." not in href:
                return collection
        raise SourceRejectedError("No such event in this account's calendars.")


def resource_name(uid: str) -> str:
    """A file name for a new event: its UID when that is a safe name, else the UID's hash."""
    if _SAFE_NAME.match(uid):
        return uid
    return hashlib.sha256(uid.encode()).hexdigest()[:32]
