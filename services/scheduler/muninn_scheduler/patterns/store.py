"""Observations of a user's activity, and the patterns learned from them, in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in
from muninn_scheduler.documents import UserDocuments

ACTIVITY = "activity"
PATTERNS = "user_patterns"
MAX_OBSERVATIONS = 20_000  # a year of a very busy user; the learner reads no more


class ActivityStore:
    """One document per observed act (``_id``: its kind and source), dropped by MongoDB at
    ``expires_at``."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._activity = db[ACTIVITY]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._activity, [("user_id", ASCENDING), ("at", ASCENDING)])
        await ensure_index(self._activity, [("at", ASCENDING)])
        await ensure_index(self._activity, [("expires_at", ASCENDING)], expireAfterSeconds=0)

    async def record(self, doc: Document, session: AsyncClientSession | None) -> None:
        """Keep the observation once: a redelivered message or a second answer to the same
        notification changes nothing (the first answer is the one that counts)."""
        await self._activity.update_one(
            {"_id": doc["_id"]},
            {"$setOnInsert": {k: v for k, v in doc.items() if k != "_id"}},
            upsert=True,
            session=session,
        )

    async def of_user(self, user_id: str, since: datetime) -> list[Document]:
        cursor = (
            self._activity.find({"user_id": user_id, "at": {"$gte": since}})
            .sort("at", ASCENDING)
            .limit(MAX_OBSERVATIONS)
        )
        return [doc async for doc in cursor]

    async def users_active_since(self, since: datetime) -> list[str]:
        """Users with an observation at or after ``since`` (in the store being served)."""
        users: list[str] = await self._activity.distinct("user_id", {"at": {"$gte": since}})
        return sorted(users)


class PatternStore(UserDocuments):
    collection = PATTERNS
    what = "Pattern"

    async def ensure_indexes(self) -> None:
        await super().ensure_indexes()
        await ensure_index(
            self._collection, [("user_id", ASCENDING), ("key", ASCENDING)], unique=True
        )

    async def by_key(self, user_id: str) -> dict[str, Document]:
        return {doc["key"]: doc async for doc in self._collection.find({"user_id": user_id})}

    async def save(
        self,
        user_id: str,
        key: str,
        fields: Document,
        first: Document,
        session: AsyncClientSession | None = None,
    ) -> None:
        """Write a learned pattern's current figures; ``first`` only when it is new. A
        dismissed pattern stays dismissed: relearning it refreshes its evidence, not its
        status."""
        await self._collection.update_one(
            {"user_id": user_id, "key": key},
            {"$set": fields, "$setOnInsert": first},
            upsert=True,
            session=session,
        )

    async def delivery_hours(
        self, user_ids: Iterable[str], key: str, min_confidence: float, session: Any
    ) -> dict[str, list[int]]:
        docs = await find_in(
            self._collection,
            "user_id",
            user_ids,
            session,
            extra={"key": key, "status": "active", "confidence": {"$gte": min_confidence}},
            projection={"user_id": 1, "time_patterns": 1},
        )
        return {
            doc["user_id"]: list((doc.get("time_patterns") or {}).get("hours") or [])
            for doc in docs
        }
