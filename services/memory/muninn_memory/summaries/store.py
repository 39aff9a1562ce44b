"""Summaries in MongoDB: one per user, period kind and start (regenerating replaces it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
SUMMARIES = "memory_summaries"


class SummaryStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        await ensure_index(
            db[SUMMARIES],
            [("user_id", ASCENDING), ("period", ASCENDING), ("start", ASCENDING)],
            unique=True,
        )
        await ensure_index(
            db[SUMMARIES], [("user_id", ASCENDING), ("start", DESCENDING), ("_id", DESCENDING)]
        )

    async def _db(self, user_id: str) -> AsyncDatabase[Doc]:
        return await self._router.database_for(user_id)

    async def put(self, doc: Doc) -> Doc:
        """Insert or replace the summary of ``(user, period, start)``; its id stays stable."""
        db = await self._db(doc["user_id"])
        key = {"user_id": doc["user_id"], "period": doc["period"], "start": doc["start"]}
        fields = {k: v for k, v in doc.items() if k not in ("_id", "created_at")}
        saved = await update_one_and_read(
            db[SUMMARIES],
            key,
            {"$set": fields, "$setOnInsert": {"_id": doc["_id"], "created_at": doc["created_at"]}},
            upsert=True,
        )
        return saved or doc

    async def get(self, user_id: str, summary_id: str) -> Doc | None:
        db = await self._db(user_id)
        return await db[SUMMARIES].find_one({"_id": summary_id, "user_id": user_id})

    async def exists(self, user_id: str, period: str, start: datetime) -> bool:
        db = await self._db(user_id)
        found = await db[SUMMARIES].find_one(
            {"user_id": user_id, "period": period, "start": start}, {"_id": 1}
        )
        return found is not None

    async def page(
        self,
        user_id: str,
        *,
        period: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Doc]:
        db = await self._db(user_id)
        query: Doc = {"user_id": user_id}
        if period:
            query["period"] = period
        if after is not None:
            at, last_id = after
            query["$or"] = [{"start": {"$lt": at}}, {"start": at, "_id": {"$lt": last_id}}]
        cursor = (
            db[SUMMARIES]
            .find(query)
            .sort([("start", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def delete_before(self, user_id: str, cutoff: datetime) -> int:
        db = await self._db(user_id)
        result = await db[SUMMARIES].delete_many({"user_id": user_id, "end": {"$lte": cutoff}})
        return result.deleted_count
