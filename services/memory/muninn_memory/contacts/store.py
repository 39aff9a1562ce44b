"""Which contacts a synced e-mail or event concerns, kept until (and after) its memory exists.

An interaction from mail or calendar names the synced record its memory comes from; that
memory is written by an ingestion job which may run before or after the interaction arrives.
Keeping the link lets whichever comes second attach the contacts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
LINKS = "contact_record_links"
MAX_CONTACTS = 50
MAX_RECORD_ID = 500


def link_key(user_id: str, record_id: str) -> str:
    return f"{user_id}\x1f{record_id[:MAX_RECORD_ID]}"


class ContactLinkStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        await ensure_index(db[LINKS], [("user_id", ASCENDING), ("contact_ids", ASCENDING)])

    async def add(
        self, user_id: str, record_id: str, contact_id: str, session: AsyncClientSession
    ) -> list[str]:
        """Link a contact to a record; every contact now linked to it."""
        db = await self._router.database_for(user_id)
        key = link_key(user_id, record_id)
        found = await db[LINKS].find_one({"_id": key}, session=session)
        contacts = sorted({*((found or {}).get("contact_ids") or []), contact_id})[-MAX_CONTACTS:]
        await db[LINKS].update_one(
            {"_id": key},
            {
                "$set": {
                    "user_id": user_id,
                    "record_id": record_id,
                    "contact_ids": contacts,
                    "updated_at": datetime.now(UTC),
                }
            },
            upsert=True,
            session=session,
        )
        return contacts

    async def contacts_for_new_memories(
        self, user_id: str, record_ids: list[str], session: AsyncClientSession
    ) -> dict[str, list[str]]:
        """The contacts already linked to records whose memories this transaction writes.

        It writes each record's link document, not only reads it: an interaction tagging the
        same record concurrently then conflicts with this transaction and one of them runs
        again. A read alone lets both commit unseen by each other (write skew under snapshot
        isolation), and the memory stays untagged.
        """
        db = await self._router.database_for(user_id)
        found: dict[str, list[str]] = {}
        for record_id in dict.fromkeys(record_ids):
            doc = await db[LINKS].find_one_and_update(
                {"_id": link_key(user_id, record_id)},
                {
                    "$set": {"memory_written_at": datetime.now(UTC)},
                    "$setOnInsert": {"user_id": user_id, "record_id": record_id},
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc and doc.get("user_id") == user_id and doc.get("contact_ids"):
                found[record_id] = list(doc["contact_ids"])
        return found
