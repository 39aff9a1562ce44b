"""Contacts in MongoDB: ``contacts`` (what the user sees) and ``contact_sources`` (one document
per record synced from an account, keyed by user, connection and external id, pointing at the
contact it was merged into)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.contacts import listing
from muninn_integrations.contacts.merge import display_name, list_keys
from muninn_integrations.contacts.models import (
    RELATIONSHIP_DEFAULTS,
    Birthday,
    ContactPerson,
    ContactRecord,
    ContactSort,
    ContactSource,
    JobChange,
    birthday_text,
)
from muninn_integrations.synced_records import (
    connection_records,
    ensure_synced_indexes,
    stale_external_ids,
)

CONTACTS = "contacts"
CONTACT_SOURCES = "contact_sources"

Doc = dict[str, Any]
Session = AsyncClientSession | None
PERSON_FIELDS = {
    "display_name": 1,
    "first_name": 1,
    "last_name": 1,
    "emails": 1,
    "company": 1,
    "relationship_strength": 1,
    "is_archived": 1,
}


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
        job_history=[JobChange.model_validate(j) for j in doc.get("job_history") or []],
        relationship_strength=float(doc.get("relationship_strength") or 0.0),
        interaction_frequency=doc.get("interaction_frequency"),
        last_interaction_at=doc.get("last_interaction_at"),
        going_cold=bool(doc.get("going_cold")),
        usual_gap_days=doc.get("usual_gap_days"),
        cold_after_days=doc.get("cold_after_days"),
        strength_updated_at=doc.get("strength_updated_at"),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def person_from_doc(doc: Mapping[str, Any]) -> ContactPerson:
    domains: list[str] = []
    for email in doc.get("emails") or []:
        value = str(email.get("value", "")) if isinstance(email, Mapping) else ""
        domain = value.rpartition("@")[2].strip().lower()
        if "@" in value and domain and domain not in domains:
            domains.append(domain)
    strength = doc.get("relationship_strength")
    return ContactPerson(
        id=doc["_id"],
        display_name=display_name(doc),
        company=doc.get("company"),
        email_domains=tuple(domains),
        # Absent until the relationship-strength sweep has scored the contact.
        relationship_strength=(
            min(1.0, max(0.0, float(strength))) if isinstance(strength, int | float) else 0.0
        ),
        is_archived=bool(doc.get("is_archived")),
    )


class ContactStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._contacts = db[CONTACTS]
        self._sources = db[CONTACT_SOURCES]

    async def ensure_indexes(self) -> None:
        await ensure_synced_indexes(self._sources)
        await ensure_index(self._sources, [("user_id", ASCENDING), ("contact_id", ASCENDING)])
        await ensure_index(
            self._contacts,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("match_keys", ASCENDING)])
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("name_keys", ASCENDING)])
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("tags", ASCENDING)])
        for sort in listing.SORTS.values():
            if sort.field == "created_at":
                continue
            await ensure_index(
                self._contacts,
                [
                    ("user_id", ASCENDING),
                    ("is_archived", ASCENDING),
                    (sort.field, sort.direction),
                    ("_id", sort.direction),
                ],
            )
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("company_key", ASCENDING)])
        await ensure_index(self._contacts, [("user_id", ASCENDING), ("_id", ASCENDING)])
        # The summary job pages through every user's recently active contacts.
        await ensure_index(self._contacts, [("last_interaction_at", ASCENDING), ("_id", ASCENDING)])

    async def backfill_list_keys(self) -> int:
        """Give contacts stored before the list's sort and filter keys existed those keys."""
        missing = self._contacts.find({"sort_name": {"$exists": False}})
        operations: list[UpdateOne] = []
        async for doc in missing:
            defaults = {k: v for k, v in RELATIONSHIP_DEFAULTS.items() if k not in doc}
            operations.append(
                UpdateOne({"_id": doc["_id"]}, {"$set": {**list_keys(doc), **defaults}})
            )
        if operations:
            await self._contacts.bulk_write(operations, ordered=False)
        return len(operations)

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

    async def named(
        self, user_id: str, keys: list[str], session: Session = None, limit: int = 200
    ) -> list[Doc]:
        """Live contacts with one of ``keys`` (folded names) among their name keys."""
        found = self._contacts.find(
            {"user_id": user_id, "name_keys": {"$in": keys}, "is_archived": False},
            session=session,
        )
        return await found.sort([("created_at", ASCENDING), ("_id", ASCENDING)]).to_list(limit)

    async def insert(self, doc: Doc, session: Session = None) -> None:
        await self._contacts.insert_one({**RELATIONSHIP_DEFAULTS, **doc}, session=session)

    async def docs(self, user_id: str, contact_ids: Sequence[str], session: Session) -> list[Doc]:
        if not contact_ids:
            return []
        found = self._contacts.find(
            {"user_id": user_id, "_id": {"$in": list(contact_ids)}}, session=session
        )
        return await found.to_list(None)

    async def all_in_batches(self, batch: int) -> AsyncIterator[list[Doc]]:
        """Every contact of every user, about ``batch`` at a time, never splitting a user's
        contacts over two batches (so a batch's interactions are read once, by user)."""
        after_user: str | None = None
        while True:
            query: Doc = {} if after_user is None else {"user_id": {"$gt": after_user}}
            found = self._contacts.find(query).sort([("user_id", ASCENDING), ("_id", ASCENDING)])
            docs = await found.to_list(batch)
            if not docs:
                return
            last = docs[-1]
            rest = self._contacts.find({"user_id": last["user_id"], "_id": {"$gt": last["_id"]}})
            docs += await rest.sort("_id", ASCENDING).to_list(None)
            yield docs
            after_user = last["user_id"]

    async def set_many(
        self, changes: Sequence[tuple[str, str, Mapping[str, Any]]], session: Session
    ) -> None:
        """One bulk write of ``(user_id, contact_id, fields)`` updates, for contacts this store
        just read for that user (ids are unique: matching ``_id`` alone is a third faster on
        the embedded server and names the same document)."""
        operations = [
            UpdateOne({"_id": contact_id}, {"$set": dict(fields)})
            for _user_id, contact_id, fields in changes
        ]
        if operations:
            await self._contacts.bulk_write(operations, ordered=False, session=session)

    async def delete_many(self, user_id: str, contact_ids: Sequence[str], session: Session) -> int:
        result = await self._contacts.delete_many(
            {"user_id": user_id, "_id": {"$in": list(contact_ids)}}, session=session
        )
        return result.deleted_count

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
        self,
        user_id: str,
        query: Mapping[str, Any],
        *,
        limit: int,
        cursor: str | None,
        sort: ContactSort = "recent",
    ) -> tuple[list[ContactRecord], str | None]:
        if sort == "recent":
            return await fetch_page(
                self._contacts,
                {**query, "user_id": user_id},
                limit=limit,
                cursor=cursor,
                convert=contact_from_doc,
            )
        conditions: list[Doc] = [{**query, "user_id": user_id}]
        if cursor is not None:
            conditions.append(listing.after(sort, cursor))
        found = self._contacts.find(conditions[0] if len(conditions) == 1 else {"$and": conditions})
        docs = await found.sort(listing.SORTS[sort].mongo()).to_list(limit + 1)
        page = docs[:limit]
        more = len(docs) > limit and bool(page)
        next_cursor = listing.encode_cursor(sort, page[-1]) if more else None
        return [contact_from_doc(doc) for doc in page], next_cursor

    async def move_sources(self, user_id: str, from_id: str, into_id: str, session: Session) -> int:
        result = await self._sources.update_many(
            {"user_id": user_id, "contact_id": from_id},
            {"$set": {"contact_id": into_id}},
            session=session,
        )
        return result.modified_count

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
    ) -> list[str]:
        """External ids of the connection's sources not stamped ``generation``."""
        return await stale_external_ids(self._sources, user_id, connection_id, generation, session)

    async def sources_of_connection(
        self, user_id: str, connection_id: str, session: Session
    ) -> list[Doc]:
        return await connection_records(self._sources, user_id, connection_id, session)

    # --- what other features read -----------------------------------------------------------

    async def people(
        self, user_id: str, contact_ids: list[str] | None, limit: int, session: Session = None
    ) -> dict[str, ContactPerson]:
        """The named contacts (all of the user's when ``contact_ids`` is None)."""
        query: Doc = {"user_id": user_id}
        if contact_ids is not None:
            query["_id"] = {"$in": contact_ids}
        found = self._contacts.find(query, PERSON_FIELDS, session=session)
        return {doc["_id"]: person_from_doc(doc) for doc in await found.to_list(limit)}
