"""Event keys in identity's MongoDB, each wrapped (AES-256-GCM) under the operator's key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import Binary
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]
EVENT_KEYS = "event_keys"


class EventKeyStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._keys = db[EVENT_KEYS]

    async def wrapped(self, user_id: str) -> bytes | None:
        doc = await self._keys.find_one({"_id": user_id})
        return None if doc is None else bytes(doc["key_ciphertext"])

    async def insert(self, user_id: str, wrapped: bytes) -> bytes:
        """Store ``wrapped`` unless a key exists already; the user's key as stored either way."""
        try:
            await self._keys.insert_one(
                {
                    "_id": user_id,
                    # Also by user_id: the erasure sweep of identity's database finds it there.
                    "user_id": user_id,
                    "key_ciphertext": Binary(wrapped),
                    "created_at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            stored = await self.wrapped(user_id)
            if stored is not None:
                return stored
            raise
        return wrapped

    async def destroy(self, user_id: str, session: AsyncClientSession | None = None) -> bool:
        result = await self._keys.delete_one({"_id": user_id}, session=session)
        return result.deleted_count > 0
