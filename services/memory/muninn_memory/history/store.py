"""History entries in MongoDB, written in the same transaction as the change they record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
HISTORY = "memory_history"


class HistoryStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        await ensure_index(
            db[HISTORY], [("user_id", ASCENDING), ("lineage_id", ASCENDING), ("at", ASCENDING)]
        )
        await ensure_index(
            db[HISTORY], [("user_id", ASCENDING), ("memory_id", ASCENDING), ("at", ASCENDING)]
        )

    async def add_many(
        self, user_id: str, entries: list[Doc], session: AsyncClientSession | None = None
    ) -> None:
        if entries:
            db = await self._router.database_for(user_id)
            await db[HISTORY].insert_many(entries, session=session)

    async def for_lineage(self, user_id: str, lineage_id: str, memory_ids: list[str]) -> list[Doc]:
        db = await self._router.database_for(user_id)
        cursor = (
            db[HISTORY]
            .find(
                {
                    "user_id": user_id,
                    "$or": [{"lineage_id": lineage_id}, {"memory_id": {"$in": memory_ids}}],
                }
            )
            .sort([("at", ASCENDING), ("_id", ASCENDING)])
        )
        return [d async for d in cursor]

    async def delete_for(
        self, user_id: str, memory_ids: list[str], session: AsyncClientSession | None = None
    ) -> int:
        db = await self._router.database_for(user_id)
        result = await db[HISTORY].delete_many(
            {"user_id": user_id, "memory_id": {"$in": memory_ids}}, session=session
        )
        return result.deleted_count

    async def all_for(self, user_id: str) -> list[Doc]:
        db = await self._router.database_for(user_id)
        return [d async for d in db[HISTORY].find({"user_id": user_id}).sort("at", ASCENDING)]

    async def delete_before(
        self, user_id: str, cutoff: datetime, session: AsyncClientSession | None = None
    ) -> int:
        db = await self._router.database_for(user_id)
        result = await db[HISTORY].delete_many(
            {"user_id": user_id, "at": {"$lt": cutoff}}, session=session
        )
        return result.deleted_count
