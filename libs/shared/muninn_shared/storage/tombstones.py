"""Erased users, remembered only by a one-way hash.

Events about a user can still be in flight on other topics when that user's erasure is
applied; without this record a late ``message.created`` would recreate data we just deleted.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

TOMBSTONES = "erased_subjects"


def subject_hash(user_id: str) -> str:
    return hashlib.sha256(f"muninn-erased:{user_id}".encode()).hexdigest()


class ErasureTombstones:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def is_erased(self, user_id: str) -> bool:
        return await self._db[TOMBSTONES].find_one({"_id": subject_hash(user_id)}) is not None

    async def record(self, user_id: str, session: AsyncClientSession | None) -> None:
        """In ``session``'s transaction when it is on this (the main) store. A BYOD user's
        erasure commits in their own database: the tombstone is then written on its own,
        which is safe early, as it stops every event of the user but the erasure itself."""
        if session is not None and session.client is not self._db.client:
            session = None
        await self._db[TOMBSTONES].update_one(
            {"_id": subject_hash(user_id)},
            {"$setOnInsert": {"erased_at": datetime.now(UTC)}},
            upsert=True,
            session=session,
        )
