"""Events waiting for a user's own database to come back, parked on the main store.

When a BYOD user's database is down, an event about them cannot be applied; waiting for it
in place would hold the whole partition, and every other user's events behind it. So the
consumer parks it here (and every later event of that user for that consumer, to keep their
order) and acknowledges it; a background pass replays a user's parked events, in order,
once their store answers again. Parked events are never dead-lettered for the outage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_shared.storage.indexes import ensure_index

PARKED = "parked_events"


class ParkedEvents:
    def __init__(self, main_db: AsyncDatabase[dict[str, Any]]) -> None:
        self._parked = main_db[PARKED]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._parked, [("consumer", ASCENDING), ("user_id", ASCENDING), ("_id", ASCENDING)]
        )
        await ensure_index(self._parked, [("consumer", ASCENDING), ("event_id", ASCENDING)])

    async def has_parked(self, consumer: str, user_id: str) -> bool:
        found = await self._parked.find_one({"consumer": consumer, "user_id": user_id}, {"_id": 1})
        return found is not None

    async def park(
        self,
        consumer: str,
        user_id: str,
        event_id: str,
        store_id: str,
        topic: str,
        raw: bytes,
    ) -> None:
        """Keep ``raw`` for later; a redelivery of an event already parked adds nothing."""
        if await self._parked.find_one({"consumer": consumer, "event_id": event_id}) is not None:
            return
        await self._parked.insert_one(
            {
                "_id": ObjectId(),
                "consumer": consumer,
                "user_id": user_id,
                "event_id": event_id,
                "store_id": store_id,
                "topic": topic,
                "raw": raw,
                "parked_at": datetime.now(UTC),
            }
        )

    async def waiting(self) -> list[tuple[str, str]]:
        """Every (consumer, user) with parked events."""
        pairs = await self._parked.aggregate(
            [{"$group": {"_id": {"consumer": "$consumer", "user_id": "$user_id"}}}]
        )
        return [(row["_id"]["consumer"], row["_id"]["user_id"]) async for row in pairs]

    async def of(self, consumer: str, user_id: str, limit: int) -> list[dict[str, Any]]:
        """A user's parked events for ``consumer``, in the order they came."""
        cursor = (
            self._parked.find({"consumer": consumer, "user_id": user_id})
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    async def done(self, parked_id: ObjectId) -> None:
        await self._parked.delete_one({"_id": parked_id})

    async def count(self) -> int:
        return await self._parked.count_documents({})
