"""Summaries in MongoDB: one per user, period kind and start (regenerating replaces it).

Summaries are searchable, so like memories each carries the state of its vector: a write
marks it ``pending`` and the index sync (or its sweep, after a crash) brings the index up to
date. Summaries stored before they were searchable have no state and count as pending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.indexing.models import PENDING, SYNCED

Doc = dict[str, Any]
SUMMARIES = "memory_summaries"
# Not yet in the index: marked so by a write, or stored before summaries were searchable.
AWAITING_INDEX: Doc = {"index_state": {"$in": [PENDING, None]}}


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
        await ensure_index(db[SUMMARIES], [("index_state", ASCENDING), ("updated_at", ASCENDING)])

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
            {
                "$set": {**fields, "index_state": PENDING},
                "$setOnInsert": {"_id": doc["_id"], "created_at": doc["created_at"]},
                "$inc": {"index_rev": 1},
            },
            upsert=True,
        )
        return saved or doc

    async def get(self, user_id: str, summary_id: str) -> Doc | None:
        db = await self._db(user_id)
        return await db[SUMMARIES].find_one({"_id": summary_id, "user_id": user_id})

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        if not ids:
            return []
        db = await self._db(user_id)
        # By id alone, then the owner here (as the memory store does: see memories.matching).
        found = db[SUMMARIES].find({"_id": {"$in": ids}})
        return [d async for d in found if d.get("user_id") == user_id]

    async def for_period(self, user_id: str, period: str, start: datetime) -> Doc | None:
        db = await self._db(user_id)
        return await db[SUMMARIES].find_one({"user_id": user_id, "period": period, "start": start})

    @staticmethod
    async def pending_in(db: AsyncDatabase[Doc], limit: int) -> list[Doc]:
        cursor = db[SUMMARIES].find(AWAITING_INDEX).sort("updated_at", ASCENDING).limit(limit)
        return [d async for d in cursor]

    @staticmethod
    async def pending_count(db: AsyncDatabase[Doc], limit: int) -> int:
        """How many wait for the index, counted on its index up to ``limit``."""
        return await db[SUMMARIES].count_documents(AWAITING_INDEX, limit=limit)

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        """Record that the index reflects these revisions; a newer write stays pending."""
        db = await self._db(user_id)
        for summary_id, revision in revisions.items():
            # A summary stored before summaries were indexed has no revision: it is read as
            # the first one.
            current = {"$in": [revision, None]} if revision == 1 else revision
            await db[SUMMARIES].update_one(
                {"_id": summary_id, "user_id": user_id, "index_rev": current},
                {"$set": {"index_state": SYNCED, "embedding_model": model_id}},
            )

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

    async def delete_before(self, user_id: str, cutoff: datetime) -> list[str]:
        """Remove the summaries of periods that ended by ``cutoff``; their ids."""
        db = await self._db(user_id)
        query = {"user_id": user_id, "end": {"$lte": cutoff}}
        ids = [d["_id"] async for d in db[SUMMARIES].find(query, {"_id": 1})]
        if ids:
            await db[SUMMARIES].delete_many({"user_id": user_id, "_id": {"$in": ids}})
        return ids
