"""The calendar write-back seam: what a connector that can write events offers (CalDAV,
Google). The calendar feature writes through it and stores what the source then holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from muninn_integrations.calendar.models import CalendarEvent


@dataclass(frozen=True)
class StoredEvent:
    """Where an event lives at the source (its external id: a DAV href, a Google
    ``calendar/event`` pair), and the ETag to send with the next write."""

    href: str
    etag: str | None
    event: CalendarEvent | None = None


@runtime_checkable
class CalendarWriter(Protocol):
    """Conditional writes: create never overwrites, update and delete send the ETag last read
    (a refused precondition is a ``SourceRejectedError`` saying the item changed)."""

    @property
    def provider(self) -> str:
        """The provider the written records are stored under (``caldav``, ``google``)."""
        ...

    async def create_event(self, collection_id: str, event: CalendarEvent) -> StoredEvent: ...

    async def update_event(self, href: str, event: CalendarEvent, *, etag: str) -> StoredEvent: ...

    async def delete_event(self, href: str, *, etag: str) -> None: ...

    async def get_event(self, href: str) -> StoredEvent: ...

    async def aclose(self) -> None: ...
