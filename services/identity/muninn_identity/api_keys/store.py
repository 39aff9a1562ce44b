"""API keys in MongoDB: only a SHA-256 of the secret is kept (keys are 256-bit random)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
API_KEYS = "api_keys"


class ApiKeyStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._keys = db[API_KEYS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._keys, "key_hash", unique=True)
        await ensure_index(self._keys, [("user_id", 1), ("created_at", -1)])

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        await self._keys.insert_one(doc, session=session)

    async def list_for(self, user_id: str) -> list[Doc]:
        return [d async for d in self._keys.find({"user_id": user_id}).sort("created_at", -1)]

    async def by_hash(self, key_hash: str) -> Doc | None:
        return await self._keys.find_one({"key_hash": key_hash})

    async def revoke(
        self, user_id: str, key_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await update_one_and_read(
            self._keys,
            {"_id": key_id, "user_id": user_id},
            {"$set": {"revoked_at": datetime.now(UTC)}},
            session=session,
        )

    async def revoke_all(self, user_id: str, session: AsyncClientSession | None = None) -> None:
        await self._keys.update_many(
            {"user_id": user_id, "revoked_at": None},
            {"$set": {"revoked_at": datetime.now(UTC)}},
            session=session,
        )

    async def mark_used(self, key_id: str) -> None:
        """Throttled to one write a minute per key."""
        now = datetime.now(UTC)
        await self._keys.update_one(
            {
                "_id": key_id,
                "$or": [
                    {"last_used_at": None},
                    {"last_used_at": {"$lt": now - timedelta(minutes=1)}},
                ],
            },
            {"$set": {"last_used_at": now}},
        )
