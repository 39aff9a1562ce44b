"""Links from synced calendar events to the reminders and experiences made for them."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.calendar_events.models import CalendarLink, calendar_link

CALENDAR_LINKS = "calendar_links"


class CalendarLinkStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._links = db[CALENDAR_LINKS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._links, "user_id")

    async def get(
        self, user_id: str, record_id: str, session: AsyncClientSession
    ) -> CalendarLink | None:
        doc = await self._links.find_one({"_id": f"{user_id}:{record_id}"}, session=session)
        return calendar_link(doc) if doc is not None else None

    async def save(self, link: CalendarLink, session: AsyncClientSession) -> None:
        await self._links.replace_one(
            {"_id": f"{link.user_id}:{link.record_id}"},
            {
                "user_id": link.user_id,
                "record_id": link.record_id,
                "title": link.title,
                "starts_at": link.starts_at,
                "reminder_id": link.reminder_id,
                "experience_id": link.experience_id,
            },
            upsert=True,
            session=session,
        )

    async def delete(self, user_id: str, record_id: str, session: AsyncClientSession) -> None:
        await self._links.delete_one({"_id": f"{user_id}:{record_id}"}, session=session)
