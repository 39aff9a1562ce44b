"""Entities, their relationships and the user's corrections of them in MongoDB, each user's in
the database the router picks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
ENTITIES = "entities"
RELATIONSHIPS = "entity_relationships"
HISTORY = "entity_history"
# How many of the memories a correction moved its history entry lists.
MAX_LISTED_MEMORIES = 5000


class EntityStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        await ensure_index(db[ENTITIES], [("user_id", ASCENDING), ("keys", ASCENDING)])
        await ensure_index(db[ENTITIES], [("user_id", ASCENDING), ("roles", ASCENDING)])
        await ensure_index(db[ENTITIES], [("user_id", ASCENDING), ("contact_ids", ASCENDING)])
        await ensure_index(db[ENTITIES], [("user_id", ASCENDING), ("emails", ASCENDING)])
        await ensure_index(db[ENTITIES], [("user_id", ASCENDING), ("phones", ASCENDING)])
        await ensure_index(
            db[ENTITIES],
            [("user_id", ASCENDING), ("last_mentioned_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(
            db[RELATIONSHIPS],
            [
                ("user_id", ASCENDING),
                ("source_id", ASCENDING),
                ("target_id", ASCENDING),
                ("relationship", ASCENDING),
            ],
            unique=True,
        )
        await ensure_index(db[RELATIONSHIPS], [("user_id", ASCENDING), ("target_id", ASCENDING)])
        await ensure_index(
            db[HISTORY], [("user_id", ASCENDING), ("entity_id", ASCENDING), ("at", ASCENDING)]
        )
        # A deleted entity's keys: recognition does not make it again from older messages.
        await ensure_index(db[HISTORY], [("user_id", ASCENDING), ("keys", ASCENDING)])

    async def _db(self, user_id: str) -> AsyncDatabase[Doc]:
        return await self._router.database_for(user_id)

    async def by_keys(
        self, user_id: str, keys: list[str], session: AsyncClientSession | None = None
    ) -> list[Doc]:
        db = await self._db(user_id)
        return [
            d
            async for d in db[ENTITIES].find(
                {"user_id": user_id, "keys": {"$in": keys}}, session=session
            )
        ]

    async def by_role(
        self, user_id: str, role: str, session: AsyncClientSession | None = None
    ) -> list[Doc]:
        db = await self._db(user_id)
        return [
            d async for d in db[ENTITIES].find({"user_id": user_id, "roles": role}, session=session)
        ]

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        db = await self._db(doc["user_id"])
        await db[ENTITIES].insert_one(doc, session=session)

    async def update(
        self, user_id: str, entity_id: str, update: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        db = await self._db(user_id)
        return await update_one_and_read(
            db[ENTITIES],
            {"_id": entity_id, "user_id": user_id},
            update,
            session=session,
        )

    async def get(
        self, user_id: str, entity_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        db = await self._db(user_id)
        return await db[ENTITIES].find_one({"_id": entity_id, "user_id": user_id}, session=session)

    async def replace(self, doc: Doc, session: AsyncClientSession) -> None:
        db = await self._db(doc["user_id"])
        await db[ENTITIES].replace_one(
            {"_id": doc["_id"], "user_id": doc["user_id"]}, doc, session=session
        )

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        if not ids:
            return []
        db = await self._db(user_id)
        # By id alone, then the owner here: the embedded server scans for ids plus a field.
        found = db[ENTITIES].find({"_id": {"$in": ids}})
        return [d async for d in found if d.get("user_id") == user_id]

    async def page(
        self,
        user_id: str,
        *,
        type_: str | None,
        query: str | None,
        role: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Doc]:
        db = await self._db(user_id)
        conditions: Doc = {"user_id": user_id}
        if type_:
            conditions["type"] = type_
        if role:
            conditions["roles"] = role
        if query:
            pattern = re.escape(query.strip().lower())
            conditions["keys"] = {"$regex": f"^{pattern}|\\s{pattern}"}
        if after is not None:
            at, last_id = after
            conditions["$or"] = [
                {"last_mentioned_at": {"$lt": at}},
                {"last_mentioned_at": at, "_id": {"$lt": last_id}},
            ]
        cursor = (
            db[ENTITIES]
            .find(conditions)
            .sort([("last_mentioned_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def link(
        self,
        user_id: str,
        source_id: str,
        target_id: str,
        relationship: str,
        *,
        at: datetime,
        context: str | None,
        session: AsyncClientSession | None = None,
    ) -> None:
        db = await self._db(user_id)
        await db[RELATIONSHIPS].update_one(
            {
                "user_id": user_id,
                "source_id": source_id,
                "target_id": target_id,
                "relationship": relationship,
            },
            {
                "$inc": {"mentions": 1},
                "$max": {"last_seen_at": at},
                "$min": {"first_seen_at": at},
                "$set": {"context": context},
            },
            upsert=True,
            session=session,
        )

    async def relationships_of(self, user_id: str, entity_id: str) -> list[Doc]:
        db = await self._db(user_id)
        cursor = (
            db[RELATIONSHIPS]
            .find({"user_id": user_id, "$or": [{"source_id": entity_id}, {"target_id": entity_id}]})
            .sort("mentions", DESCENDING)
        )
        return [d async for d in cursor.limit(200)]

    async def people_reached_at(
        self,
        user_id: str,
        emails: list[str],
        phones: list[str],
        session: AsyncClientSession | None = None,
    ) -> list[Doc]:
        """Person entities that know one of these e-mail addresses or phone numbers."""
        if not (emails or phones):
            return []
        db = await self._db(user_id)
        either = [{"emails": {"$in": emails}}, {"phones": {"$in": phones}}]
        query = {"user_id": user_id, "type": "person", "$or": either}
        return [d async for d in db[ENTITIES].find(query, session=session).limit(20)]

    async def linked_to(
        self, user_id: str, contact_id: str, session: AsyncClientSession | None = None
    ) -> list[Doc]:
        db = await self._db(user_id)
        query = {"user_id": user_id, "contact_ids": contact_id}
        return [d async for d in db[ENTITIES].find(query, session=session)]

    async def delete(
        self, user_id: str, entity_id: str, session: AsyncClientSession | None = None
    ) -> None:
        db = await self._db(user_id)
        await db[ENTITIES].delete_one({"_id": entity_id, "user_id": user_id}, session=session)

    # -- corrections ----------------------------------------------------------------------

    async def move_relationships(
        self, user_id: str, from_id: str, to_id: str, session: AsyncClientSession
    ) -> None:
        """Relationships of ``from_id`` become ``to_id``'s: counts add up where it had the same
        one already, and one between the two (now with itself) goes."""
        db = await self._db(user_id)
        either = {"user_id": user_id, "$or": [{"source_id": from_id}, {"target_id": from_id}]}
        rows = [r async for r in db[RELATIONSHIPS].find(either, session=session)]
        await db[RELATIONSHIPS].delete_many(either, session=session)
        for row in rows:
            source = to_id if row["source_id"] == from_id else row["source_id"]
            target = to_id if row["target_id"] == from_id else row["target_id"]
            if source == target:
                continue
            update: Doc = {
                "$inc": {"mentions": int(row.get("mentions", 1))},
                "$set": {"context": row.get("context")},
            }
            if row.get("last_seen_at") is not None:
                update["$max"] = {"last_seen_at": row["last_seen_at"]}
            if row.get("first_seen_at") is not None:
                update["$min"] = {"first_seen_at": row["first_seen_at"]}
            await db[RELATIONSHIPS].update_one(
                {
                    "user_id": user_id,
                    "source_id": source,
                    "target_id": target,
                    "relationship": row["relationship"],
                },
                update,
                upsert=True,
                session=session,
            )

    async def delete_relationships(
        self, user_id: str, entity_id: str, session: AsyncClientSession
    ) -> None:
        db = await self._db(user_id)
        await db[RELATIONSHIPS].delete_many(
            {"user_id": user_id, "$or": [{"source_id": entity_id}, {"target_id": entity_id}]},
            session=session,
        )

    async def add_history(
        self, user_id: str, entries: list[Doc], session: AsyncClientSession
    ) -> None:
        db = await self._db(user_id)
        for entry in entries:
            entry["memory_ids"] = list(entry.get("memory_ids") or [])[:MAX_LISTED_MEMORIES]
        await db[HISTORY].insert_many(entries, session=session)

    async def history_of(self, user_id: str, entity_id: str) -> list[Doc]:
        db = await self._db(user_id)
        cursor = (
            db[HISTORY]
            .find({"user_id": user_id, "entity_id": entity_id})
            .sort([("at", ASCENDING), ("_id", ASCENDING)])
        )
        return [d async for d in cursor.limit(1000)]

    async def all_history(self, user_id: str) -> list[Doc]:
        db = await self._db(user_id)
        cursor = (
            db[HISTORY].find({"user_id": user_id}).sort([("at", ASCENDING), ("_id", ASCENDING)])
        )
        return [d async for d in cursor]

    async def deleted_after(
        self,
        user_id: str,
        keys: list[str],
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> bool:
        """Whether the user deleted an entity known by one of ``keys`` at ``at`` or later."""
        if not keys:
            return False
        db = await self._db(user_id)
        found = db[HISTORY].find(
            {"user_id": user_id, "keys": {"$in": keys}}, {"at": 1}, session=session
        )
        return any([d["at"] >= at async for d in found])

    async def all_for(self, user_id: str) -> list[Doc]:
        db = await self._db(user_id)
        return [d async for d in db[ENTITIES].find({"user_id": user_id})]

    async def delete_stale(
        self, user_id: str, cutoff: datetime, session: AsyncClientSession | None = None
    ) -> int:
        """Entities last mentioned before ``cutoff``, and relationships last seen before it."""
        db = await self._db(user_id)
        stale = [
            d["_id"]
            async for d in db[ENTITIES].find(
                {"user_id": user_id, "last_mentioned_at": {"$lt": cutoff}},
                {"_id": 1},
                session=session,
            )
        ]
        removed = 0
        if stale:
            result = await db[ENTITIES].delete_many(
                {"user_id": user_id, "_id": {"$in": stale}}, session=session
            )
            removed = result.deleted_count
            await db[RELATIONSHIPS].delete_many(
                {
                    "user_id": user_id,
                    "$or": [{"source_id": {"$in": stale}}, {"target_id": {"$in": stale}}],
                },
                session=session,
            )
        await db[RELATIONSHIPS].delete_many(
            {"user_id": user_id, "last_seen_at": {"$lt": cutoff}}, session=session
        )
        # Corrections that old are gone with what they corrected (and a deleted entity's
        # messages of before are gone by then too).
        await db[HISTORY].delete_many({"user_id": user_id, "at": {"$lt": cutoff}}, session=session)
        return removed

    async def relationships_since(self, user_id: str, start: datetime, end: datetime) -> list[Doc]:
        db = await self._db(user_id)
        cursor = (
            db[RELATIONSHIPS]
            .find({"user_id": user_id, "first_seen_at": {"$gte": start, "$lt": end}})
            .sort("mentions", DESCENDING)
        )
        return [d async for d in cursor.limit(200)]
