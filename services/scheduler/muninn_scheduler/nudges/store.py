"""The contacts projection (from integrations' records) and per-user nudge settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in, update_each

CONTACTS = "nudge_contacts"
SETTINGS = "nudge_settings"
BRIEFINGS = "nudge_briefings"
KEEP_INTERACTIONS = 50


def contact_key(user_id: str, contact_id: str) -> str:
    return f"{user_id}:{contact_id}"


class NudgeStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._contacts = db[CONTACTS]
        self._settings = db[SETTINGS]
        self._briefings = db[BRIEFINGS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("name", ASCENDING)])
        await ensure_index(self._briefings, [("user_id", ASCENDING), ("event_start", ASCENDING)])

    # -- contacts ----------------------------------------------------------------------------

    async def upsert_contact(
        self, user_id: str, contact_id: str, fields: Document, session: AsyncClientSession
    ) -> None:
        defaults = {
            "user_id": user_id,
            "contact_id": contact_id,
            "interactions": [],
            "opt_out": False,
            "snoozed_until": None,
        }
        await self._contacts.update_one(
            {"_id": contact_key(user_id, contact_id)},
            {
                "$set": fields,
                "$setOnInsert": {k: v for k, v in defaults.items() if k not in fields},
            },
            upsert=True,
            session=session,
        )

    async def contact(
        self, user_id: str, contact_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        return await self._contacts.find_one(
            {"_id": contact_key(user_id, contact_id)}, session=session
        )

    async def add_interaction(
        self,
        user_id: str,
        contact_id: str,
        interaction_id: str,
        at: datetime,
        session: AsyncClientSession,
    ) -> None:
        """Record an interaction once (re-syncs repeat records), keeping the latest few."""
        doc = await self.contact(user_id, contact_id, session)
        known = {i["id"]: i for i in (doc or {}).get("interactions", [])}
        known[interaction_id] = {"id": interaction_id, "at": at}
        latest = sorted(known.values(), key=lambda i: i["at"])[-KEEP_INTERACTIONS:]
        await self.upsert_contact(
            user_id,
            contact_id,
            {"interactions": latest, "last_interaction_at": latest[-1]["at"]},
            session,
        )

    async def remove_interaction(
        self, user_id: str, contact_id: str, interaction_id: str, session: AsyncClientSession
    ) -> Document | None:
        """Forget a deleted interaction; the contact as it is now (None when unknown)."""
        doc = await self.contact(user_id, contact_id, session)
        if doc is None:
            return None
        kept = [i for i in doc.get("interactions", []) if i["id"] != interaction_id]
        fields = {"interactions": kept, "last_interaction_at": kept[-1]["at"] if kept else None}
        await self.upsert_contact(user_id, contact_id, fields, session)
        return {**doc, **fields}

    async def contacts_of(
        self, user_ids: Iterable[str], session: AsyncClientSession | None
    ) -> list[Document]:
        return await find_in(self._contacts, "user_id", user_ids, session)

    async def update_contacts(
        self, updates: list[tuple[str, Document]], session: AsyncClientSession | None
    ) -> None:
        await update_each(self._contacts, [(k, {"$set": v}) for k, v in updates], session)

    async def set_contact(self, user_id: str, contact_id: str, fields: Document) -> Document | None:
        await self._contacts.update_one({"_id": contact_key(user_id, contact_id)}, {"$set": fields})
        return await self.contact(user_id, contact_id)

    # -- briefings ---------------------------------------------------------------------------

    async def briefing(self, key: str, session: AsyncClientSession | None) -> Document | None:
        return await self._briefings.find_one({"_id": key}, session=session)

    async def briefings(
        self, keys: Iterable[str], session: AsyncClientSession
    ) -> dict[str, Document]:
        return {d["_id"]: d for d in await find_in(self._briefings, "_id", keys, session)}

    async def save_briefing(self, key: str, fields: Document, session: AsyncClientSession) -> None:
        await self._briefings.update_one(
            {"_id": key}, {"$set": fields}, upsert=True, session=session
        )

    async def delete_briefing(self, key: str, session: AsyncClientSession) -> None:
        await self._briefings.delete_one({"_id": key}, session=session)

    async def delete_briefings_before(
        self, user_ids: list[str], before: datetime, session: AsyncClientSession
    ) -> None:
        """Briefings of meetings that have started: nothing can deliver or move them now."""
        await self._briefings.delete_many(
            {"user_id": {"$in": user_ids}, "event_start": {"$lt": before}}, session=session
        )

    # -- settings ----------------------------------------------------------------------------

    async def settings(self, user_id: str, session: AsyncClientSession | None = None) -> Document:
        return await self._settings.find_one({"_id": user_id}, session=session) or {}

    async def settings_many(
        self, user_ids: Iterable[str], session: AsyncClientSession
    ) -> dict[str, Document]:
        return {d["_id"]: d for d in await find_in(self._settings, "_id", user_ids, session)}

    async def save_settings(
        self, user_id: str, fields: Document, session: AsyncClientSession | None = None
    ) -> Document:
        await self._settings.update_one(
            {"_id": user_id}, {"$set": {**fields, "user_id": user_id}}, upsert=True, session=session
        )
        return await self.settings(user_id, session)
