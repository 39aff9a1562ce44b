"""Memory profiles in MongoDB: one document per user, keyed by the user id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from muninn_shared.profiles import ProfileDocuments
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.profiles.models import PROFILES, MemoryProfile

Doc = dict[str, Any]


class ProfileStore(ProfileDocuments):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[PROFILES])

    async def ensure_indexes(self) -> None:
        await ensure_index(self._profiles, [("data_retention_days", ASCENDING)])

    async def get(self, user_id: str, session: AsyncClientSession | None = None) -> MemoryProfile:
        doc = await self._profiles.find_one({"_id": user_id}, session=session)
        if doc is None:
            return MemoryProfile(user_id=user_id)
        return MemoryProfile(
            user_id=user_id,
            data_retention_days=int(doc.get("data_retention_days") or 0),
            long_term_memory=bool(doc.get("long_term_memory", True)),
            timezone=str(doc.get("timezone") or "UTC"),
        )

    async def with_retention(self, page_size: int = 500) -> AsyncIterator[MemoryProfile]:
        """Every profile with a retention period, page by page in ``_id`` order.

        Each page starts after the last id of the one before, so a sweep reaches every user
        however many there are, and profiles added or removed meanwhile shift nothing.
        """
        after: str | None = None
        while True:
            query: Doc = {"data_retention_days": {"$gt": 0}}
            if after is not None:
                query["_id"] = {"$gt": after}
            cursor = self._profiles.find(query).sort("_id", ASCENDING).limit(page_size)
            page = [d async for d in cursor]
            for d in page:
                yield MemoryProfile(
                    user_id=d["_id"],
                    data_retention_days=int(d["data_retention_days"]),
                    long_term_memory=bool(d.get("long_term_memory", True)),
                    timezone=str(d.get("timezone") or "UTC"),
                )
            if len(page) < page_size:
                return
            after = page[-1]["_id"]

    async def delete(self, user_id: str, session: AsyncClientSession | None = None) -> int:
        result = await self._profiles.delete_many({"_id": user_id}, session=session)
        return result.deleted_count
