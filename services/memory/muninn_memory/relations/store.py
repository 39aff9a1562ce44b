"""Relations the user made, and inferred ones the user dismissed, in MongoDB (each user's in
the database the router picks). Inferred relations themselves are not stored: they are read
from what the memories already record (see ``inference.py``)."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
RELATIONS = "memory_relations"
# A memory's relations are read whole for its detail and for recall: a bound keeps that cheap.
MAX_PER_MEMORY = 200


class RelationStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        await ensure_index(db[RELATIONS], [("user_id", ASCENDING), ("memory_id", ASCENDING)])
        await ensure_index(
            db[RELATIONS], [("user_id", ASCENDING), ("related_memory_id", ASCENDING)]
        )

    async def _db(self, user_id: str) -> AsyncDatabase[Doc]:
        return await self._router.database_for(user_id)

    async def of(self, user_id: str, memory_ids: list[str]) -> list[Doc]:
        """Stored rows (made or dismissed) with one of ``memory_ids`` at either end."""
        if not memory_ids:
            return []
        db = await self._db(user_id)
        found: dict[str, Doc] = {}
        for field in ("memory_id", "related_memory_id"):
            cursor = db[RELATIONS].find({"user_id": user_id, field: {"$in": memory_ids}})
            async for doc in cursor.limit(MAX_PER_MEMORY * len(memory_ids)):
                found[doc["_id"]] = doc
        return list(found.values())

    async def all_for(self, user_id: str) -> list[Doc]:
        db = await self._db(user_id)
        return [d async for d in db[RELATIONS].find({"user_id": user_id})]

    async def insert(self, doc: Doc) -> None:
        db = await self._db(doc["user_id"])
        await db[RELATIONS].insert_one(doc)

    async def dismiss(self, doc: Doc) -> None:
        """Record that the user removed an inferred relation (its id is the relation's)."""
        db = await self._db(doc["user_id"])
        await db[RELATIONS].replace_one(
            {"_id": doc["_id"], "user_id": doc["user_id"]}, doc, upsert=True
        )

    async def delete(self, user_id: str, relation_id: str) -> None:
        db = await self._db(user_id)
        await db[RELATIONS].delete_one({"_id": relation_id, "user_id": user_id})

    async def delete_for(
        self, user_id: str, memory_ids: list[str], session: AsyncClientSession | None = None
    ) -> int:
        """Every row with one of ``memory_ids`` at either end (the memories are going)."""
        if not memory_ids:
            return 0
        db = await self._db(user_id)
        result = await db[RELATIONS].delete_many(
            {
                "user_id": user_id,
                "$or": [
                    {"memory_id": {"$in": memory_ids}},
                    {"related_memory_id": {"$in": memory_ids}},
                ],
            },
            session=session,
        )
        return result.deleted_count
