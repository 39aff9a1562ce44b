"""Contacts in MongoDB: ``contacts`` (what the user sees) and ``contact_sources`` (one document
per record synced from an account, keyed by user, connection and external id, pointing at the
contact it was merged into)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.contacts.merge import display_name
from muninn_integrations.contacts.models import (
    Birthday,
    ContactRecord,
    ContactSource,
    birthday_text,
)

CONTACTS = "contacts"
CONTACT_SOURCES = "contact_sources"

Doc = dict[str, Any]
Session = AsyncClientSession | None


def contact_from_doc(doc: Mapping[str, Any]) -> ContactRecord:
    birthday = doc.get("birthday")
    return ContactRecord(
        id=doc["_id"],
        connection_id=doc.get("connection_id"),
        display_name=display_name(doc),
        first_name=doc.get("first_name"),
        last_name=doc.get("last_name"),
        emails=doc.get("emails") or [],
        phones=doc.get("phones") or [],
        company=doc.get("company"),
        title=doc.get("title"),
        birthday=birthday_text(Birthday.model_validate(birthday)) if birthday else None,
        addresses=doc.get("addresses") or [],
        notes=doc.get("notes"),
        tags=doc.get("tags") or [],
        photo_url=doc.get("photo_url"),
        is_archived=bool(doc.get("is_archived")),
        source_provider=doc.get("source_provider") or "manual",
        sources=[ContactSource.model_validate(s) for s in doc.get("sources") or []],
        edited_by_hand=bool(doc.get("edited_by_hand")),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class ContactStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._contacts = db[CONTACTS]
        self._sources = db[CONTACT_SOURCES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._sources,
            [("user_id", ASCENDING), ("connection_id", ASCENDING), ("external_id", ASCENDING)],
            unique=True,
        )
        await ensure_index(
            self._sources,
            [("user_id", ASCENDING), ("connection_id", ASCENDING), ("generation", ASCENDING)],
        )
        await ensure_index(self._sources, [("user_id", ASCENDING), ("contact_id", ASCENDING)])
        await ensure_index(
            self._contacts,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("match_keys", ASCENDING)])
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("name_keys", ASCENDING)])
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(self._contacts, [("last_interaction_at", ASCENDING), ("_id", ASCENDING)])

    # --- contacts ---------------------------------------------------------------------------

    async def get_doc(self, user_id: str, contact_id: str, session: Session = None) -> Doc | None:
        return await self._contacts.find_one(
            {"_id": contact_id, "user_id": user_id}, session=session
        )

    async def get(self, user_id: str, contact_id: str) -> ContactRecord | None:
        doc = await self.get_doc(user_id, contact_id)
        return contact_from_doc(doc) if doc is not None else None

    async def matching(self, user_id: str, keys: list[str], session: Session) -> Doc | None:
        """The contact sharing an e-mail or phone with ``keys``: a live one before an archived
        one, the oldest first."""
        if not keys:
            return None
        found = self._contacts.find(
            {"user_id": user_id, "match_keys": {"$in": keys}}, session=session
        )
        docs = await found.sort([("created_at", ASCENDING), ("_id", ASCENDING)]).to_list(50)
        docs.sort(key=lambda doc: bool(doc.get("is_archived")))
        return docs[0] if docs else None

    async def ids_by_key(self, user_id: str, keys: list[str], session: Session) -> dict[str, str]:
        """Match key → the id of the user's contact carrying it (live contacts first)."""
        if not keys:
            return {}
        found = self._contacts.find(
            {"user_id": user_id, "match_keys": {"$in": keys}},
            {"match_keys": 1, "is_archived": 1},
            session=session,
        )
        docs = sorted(await found.to_list(len(keys) * 4), key=lambda d: bool(d.get("is_archived")))
        ids: dict[str, str] = {}
        for doc in docs:
            for key in doc.get("match_keys") or []:
                if key in keys:
                    ids.setdefault(key, doc["_id"])
        return ids

    async def insert(self, doc: Doc, session: Session = None) -> None:
        await self._contacts.insert_one(doc, session=session)

    async def set(
        self, user_id: str, contact_id: str, changes: Mapping[str, Any], session: Session = None
    ) -> bool:
        result = await self._contacts.update_one(
            {"_id": contact_id, "user_id": user_id}, {"$set": dict(changes)}, session=session
        )
        return result.matched_count == 1

    async def delete(self, user_id: str, contact_id: str, session: Session = None) -> bool:
        result = await self._contacts.delete_one(
            {"_id": contact_id, "user_id": user_id}, session=session
        )
        return result.deleted_count == 1

    async def fields_of(self, user_id: str, contact_id: str, names: Sequence[str]) -> Doc | None:
        return await self._contacts.find_one(
            {"_id": contact_id, "user_id": user_id}, {name: 1 for name in names}
        )

    async def interacted_since(
        self, since: datetime, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Doc]:
        """Contacts of any user whose last interaction is at or after ``since``, oldest first,
        from after ``after`` (a previous batch's last (time, id))."""
        query: Doc = {"last_interaction_at": {"$gte": since}}
        if after is not None:
            at, contact_id = after
            query = {
                "$and": [
                    query,
                    {
                        "$or": [
                            {"last_interaction_at": {"$gt": at}},
                            {"last_interaction_at": at, "_id": {"$gt": contact_id}},
                        ]
                    },
                ]
            }
        found = self._contacts.find(query, {"user_id": 1, "last_interaction_at": 1})
        order = [("last_interaction_at", ASCENDING), ("_id", ASCENDING)]
        return await found.sort(order).limit(limit).to_list(limit)

    async def page(
        self, user_id: str, query: Mapping[str, Any], *, limit: int, cursor: str | None
    ) -> tuple[list[ContactRecord], str | None]:
        return await fetch_page(
            self._contacts,
            {**query, "user_id": user_id},
            limit=limit,
            cursor=cursor,
            convert=contact_from_doc,
        )

    # --- sources ----------------------------------------------------------------------------

    async def source(
        self, user_id: str, connection_id: str, external_id: str, session: Session
    ) -> Doc | None:
        return await self._sources.find_one(
            {"user_id": user_id, "connection_id": connection_id, "external_id": external_id},
            session=session,
        )

    async def sources_of(self, user_id: str, contact_id: str, session: Session) -> list[Doc]:
        found = self._sources.find({"user_id": user_id, "contact_id": contact_id}, session=session)
        return await found.sort([("created_at", ASCENDING), ("_id", ASCENDING)]).to_list(None)

    async def insert_source(self, doc: Doc, session: Session) -> None:
        await self._sources.insert_one(doc, session=session)

    async def set_source(
        self, source_id: str, changes: Mapping[str, Any], session: Session
    ) -> None:
        await self._sources.update_one({"_id": source_id}, {"$set": dict(changes)}, session=session)

    async def delete_source(self, source_id: str, session: Session) -> None:
        await self._sources.delete_one({"_id": source_id}, session=session)

    async def stale_sources(
        self, user_id: str, connection_id: str, generation: str, session: Session
    ) -> list[Doc]:
        found = self._sources.find(
            {"user_id": user_id, "connection_id": connection_id, "generation": {"$ne": generation}},
            session=session,
        )
        return await found.to_list(None)

    async def sources_of_connection(
        self, user_id: str, connection_id: str, session: Session
    ) -> list[Doc]:
        found = self._sources.find(
            {"user_id": user_id, "connection_id": connection_id}, session=session
        )
        return await found.to_list(None)
