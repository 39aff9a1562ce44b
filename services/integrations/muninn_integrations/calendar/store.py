"""Calendar events in MongoDB: one document per calendar object (a series master with its
overrides, or a single event), keyed by (user, connection, external id).

Beside the normalized event (``event``) and the iCalendar text it came from (``ical``, for
expansion and write-back), each document carries a summary indexed for range queries:
``starts_at`` (the earliest start, overrides included), ``ends_at`` (the latest end; None for
a series with no end) and ``recurring``. A content ``digest`` tells a real change from a
replayed or unchanged one.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from muninn_shared.moments import as_utc
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.synced_records import (
    delete_connection_records,
    ensure_synced_indexes,
    stale_external_ids,
)

CALENDAR_EVENTS = "calendar_events"


@dataclass(frozen=True)
class StoredCalendarEvent:
    id: str
    user_id: str
    connection_id: str | None
    provider: str | None
    external_id: str
    collection_id: str
    etag: str | None
    digest: str
    generation: str | None
    event: CalendarEvent  # ``ical`` set when the source gave it
    created_at: datetime
    updated_at: datetime


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Source:
    """Where a record came from: the keys of its document."""

    user_id: str
    connection_id: str | None
    provider: str | None
    external_id: str
    collection_id: str


def stored_event_from_doc(doc: Mapping[str, Any]) -> StoredCalendarEvent:
    event = CalendarEvent.model_validate({**doc["event"], "ical": doc.get("ical")})
    return StoredCalendarEvent(
        id=doc["_id"],
        user_id=doc["user_id"],
        connection_id=doc.get("connection_id"),
        provider=doc.get("provider"),
        external_id=doc["external_id"],
        collection_id=doc["collection_id"],
        etag=doc.get("etag"),
        digest=doc.get("digest", ""),
        generation=doc.get("generation"),
        event=event,
        created_at=as_utc(doc["created_at"]),
        updated_at=as_utc(doc["updated_at"]),
    )


def digest_of(event: CalendarEvent) -> str:
    """The event's content, whatever line endings the text came with (a multiget's XML
    turns CRLF into LF, a GET does not)."""
    text = "\n".join(line.rstrip("\r") for line in (event.ical or "").strip().splitlines())
    fields = event.model_dump_json(exclude={"ical"})
    return hashlib.sha256(f"{fields}\0{text}".encode()).hexdigest()


def summary_of(event: CalendarEvent) -> dict[str, Any]:
    """The indexed fields a range query reads."""
    starts = [event.start, *(o.start for o in event.overrides)]
    ends = [event.end, *(o.end for o in event.overrides)]
    ends_at: datetime | None = max(ends)
    if event.recurring:
        ends_at = _series_end(event.recurrence_rule or "", event)
        if ends_at is not None:
            ends_at = max([ends_at, *ends])
    return {
        "uid": event.uid,
        "title": event.title,
        "starts_at": min(starts).astimezone(UTC),
        "ends_at": ends_at.astimezone(UTC) if ends_at is not None else None,
        "all_day": event.all_day,
        "recurring": event.recurring,
    }


def _series_end(rule: str, event: CalendarEvent) -> datetime | None:
    """The latest an occurrence can end when the rule says UNTIL; None otherwise (COUNT or
    unbounded: the expansion is bounded instead)."""
    for part in rule.upper().split(";"):
        name, _, value = part.partition("=")
        if name.strip() == "UNTIL":
            text = value.strip().rstrip("Z")
            for pattern in ("%Y%m%dT%H%M%S", "%Y%m%d"):
                try:
                    until = datetime.strptime(text, pattern).replace(tzinfo=UTC)
                except ValueError:
                    continue
                # A day's margin covers a floating or local UNTIL.
                return until + (event.end - event.start) + timedelta(days=1)
            return None
    return None


class CalendarEventStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._events = db[CALENDAR_EVENTS]

    async def ensure_indexes(self) -> None:
        await ensure_synced_indexes(self._events)
        await ensure_index(
            self._events,
            [("user_id", ASCENDING), ("recurring", ASCENDING), ("starts_at", ASCENDING)],
        )

    async def get(
        self, user_id: str, event_id: str, session: AsyncClientSession | None = None
    ) -> StoredCalendarEvent | None:
        doc = await self._events.find_one({"_id": event_id, "user_id": user_id}, session=session)
        return stored_event_from_doc(doc) if doc is not None else None

    async def some(
        self, user_id: str, event_ids: list[str], session: AsyncClientSession | None = None
    ) -> list[StoredCalendarEvent]:
        found = self._events.find({"user_id": user_id, "_id": {"$in": event_ids}}, session=session)
        return [stored_event_from_doc(doc) async for doc in found]

    async def recurring_after(
        self, after_id: str | None, limit: int
    ) -> list[tuple[str, str, str | None, str | None]]:
        """Every user's series in id order, ``limit`` after ``after_id``: (id, user,
        connection, provider)."""
        query: dict[str, Any] = {"recurring": True}
        if after_id is not None:
            query["_id"] = {"$gt": after_id}
        found = self._events.find(query, {"user_id": 1, "connection_id": 1, "provider": 1}).sort(
            "_id", ASCENDING
        )
        return [
            (doc["_id"], doc["user_id"], doc.get("connection_id"), doc.get("provider"))
            async for doc in found.limit(limit)
        ]

    async def latest(
        self, user_id: str, limit: int, session: AsyncClientSession | None = None
    ) -> list[StoredCalendarEvent]:
        """The user's ``limit`` events with the latest starts and as many series (a series'
        first start may be long past), without their iCalendar text."""
        docs: list[dict[str, Any]] = []
        for recurring in (False, True):
            found = self._events.find(
                {"user_id": user_id, "recurring": recurring}, {"ical": 0}, session=session
            )
            docs += await found.sort("starts_at", DESCENDING).limit(limit).to_list(limit)
        return [stored_event_from_doc(doc) for doc in docs]

    async def find(
        self, source: Source, session: AsyncClientSession | None = None
    ) -> StoredCalendarEvent | None:
        doc = await self._events.find_one(_key(source), session=session)
        return stored_event_from_doc(doc) if doc is not None else None

    async def upsert(
        self,
        source: Source,
        event: CalendarEvent,
        *,
        etag: str | None,
        generation: str | None,
        session: AsyncClientSession | None = None,
    ) -> tuple[str, Outcome]:
        """Store the event as the source has it now; whether that changed anything."""
        digest = digest_of(event)
        now = datetime.now(UTC)
        existing = await self._events.find_one(
            _key(source), {"_id": 1, "digest": 1, "etag": 1, "collection_id": 1}, session=session
        )
        if (
            existing is not None
            and existing.get("collection_id") == source.collection_id
            and (
                existing.get("digest") == digest
                or (etag is not None and existing.get("etag") == etag)
            )
        ):
            stamp: dict[str, Any] = {"etag": etag}
            if generation is not None:
                stamp["generation"] = generation
            await self._events.update_one(
                {"_id": existing["_id"]}, {"$set": stamp}, session=session
            )
            return str(existing["_id"]), Outcome.UNCHANGED
        fields: dict[str, Any] = {
            "provider": source.provider,
            "collection_id": source.collection_id,
            "etag": etag,
            "digest": digest,
            **summary_of(event),
            "location": event.location,
            "event": event.model_dump(mode="json", exclude={"ical"}),
            "ical": event.ical,
            "updated_at": now,
        }
        if generation is not None:
            fields["generation"] = generation
        if existing is not None:
            await self._events.update_one(
                {"_id": existing["_id"]}, {"$set": fields}, session=session
            )
            return str(existing["_id"]), Outcome.UPDATED
        record_id = uuid.uuid4().hex
        await self._events.insert_one(
            {
                "_id": record_id,
                "user_id": source.user_id,
                "connection_id": source.connection_id,
                "external_id": source.external_id,
                "generation": generation,
                "created_at": now,
                **fields,
            },
            session=session,
        )
        return record_id, Outcome.CREATED

    async def delete(
        self, source: Source, session: AsyncClientSession | None = None
    ) -> StoredCalendarEvent | None:
        doc = await self._events.find_one(_key(source), session=session)
        if doc is None:
            return None
        await self._events.delete_one({"_id": doc["_id"]}, session=session)
        return stored_event_from_doc(doc)

    async def delete_by_id(
        self, user_id: str, event_id: str, session: AsyncClientSession | None = None
    ) -> bool:
        result = await self._events.delete_one(
            {"_id": event_id, "user_id": user_id}, session=session
        )
        return result.deleted_count == 1

    async def stale(
        self, user_id: str, connection_id: str, generation: str, session: AsyncClientSession
    ) -> list[str]:
        """External ids of the connection's records not stamped ``generation``."""
        return await stale_external_ids(self._events, user_id, connection_id, generation, session)

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[str]:
        """Delete the connection's events; their ids."""
        return await delete_connection_records(self._events, user_id, connection_id, session)

    async def in_range(
        self,
        user_id: str,
        start: datetime,
        end: datetime,
        *,
        recurring: bool,
        limit: int,
        connection_id: str | None = None,
        collection_id: str | None = None,
    ) -> list[StoredCalendarEvent]:
        """Records that may have an occurrence in [start, end), earliest first, at most
        ``limit``; the caller expands each to its exact occurrences."""
        query: dict[str, Any] = {
            "user_id": user_id,
            "recurring": recurring,
            "starts_at": {"$lt": end},
            "$or": [{"ends_at": {"$gte": start}}, {"ends_at": None}],
        }
        if connection_id is not None:
            query["connection_id"] = connection_id
        if collection_id is not None:
            query["collection_id"] = collection_id
        found = self._events.find(query).sort([("starts_at", ASCENDING), ("_id", ASCENDING)])
        return [stored_event_from_doc(doc) async for doc in found.limit(limit)]


def _key(source: Source) -> dict[str, Any]:
    return {
        "user_id": source.user_id,
        "connection_id": source.connection_id,
        "external_id": source.external_id,
    }
