"""API keys in MongoDB: only a SHA-256 of the secret is kept (keys are 256-bit random)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_identity.api_keys.models import ApiKey

API_KEYS = "api_keys"


class StoredApiKey(ApiKey):
    """An API key as stored: what its owner sees, plus whose it is and the secret's digest."""

    user_id: str
    key_hash: str

    def public(self) -> ApiKey:
        return ApiKey.model_validate(self.model_dump(include=set(ApiKey.model_fields)))


def stored_api_key_from(doc: Mapping[str, Any]) -> StoredApiKey:
    return StoredApiKey(
        id=doc["_id"], **{k: v for k, v in doc.items() if k in StoredApiKey.model_fields}
    )


class ApiKeyStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._keys = db[API_KEYS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._keys, "key_hash", unique=True)
        await ensure_index(self._keys, [("user_id", 1), ("created_at", -1)])

    async def insert(self, key: StoredApiKey, session: AsyncClientSession | None = None) -> None:
        await self._keys.insert_one(
            {"_id": key.id, **key.model_dump(exclude={"id"})}, session=session
        )

    async def list_for(self, user_id: str) -> list[StoredApiKey]:
        found = self._keys.find({"user_id": user_id}).sort("created_at", -1)
        return [stored_api_key_from(doc) async for doc in found]

    async def by_hash(self, key_hash: str) -> StoredApiKey | None:
        doc = await self._keys.find_one({"key_hash": key_hash})
        return None if doc is None else stored_api_key_from(doc)

    async def revoke(
        self, user_id: str, key_id: str, session: AsyncClientSession | None = None
    ) -> StoredApiKey | None:
        doc = await update_one_and_read(
            self._keys,
            {"_id": key_id, "user_id": user_id},
            {"$set": {"revoked_at": datetime.now(UTC)}},
            session=session,
        )
        return None if doc is None else stored_api_key_from(doc)

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
