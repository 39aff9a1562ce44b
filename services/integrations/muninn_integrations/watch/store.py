"""Who watches which connection: one lease per connection, so one replica holds its push wait.

A replica renews its leases on every scan; one that stops lets its leases run out and another
replica picks the connections up. A connection whose source cannot push is marked so and left
to the schedule for a while, instead of being opened again on every scan.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

SYNC_WATCHES = "sync_watches"


class WatchStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._watches = db[SYNC_WATCHES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._watches, [("user_id", ASCENDING)])

    async def claim(
        self, user_id: str, connection_id: str, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Take (or keep) the watch of a connection unless another replica holds it or the
        source was found unable to push not long ago."""
        try:
            held = await self._watches.find_one_and_update(
                {
                    "_id": connection_id,
                    "$or": [{"owner": owner}, {"lease_until": {"$lt": now}}],
                },
                {"$set": {"user_id": user_id, "owner": owner, "lease_until": until}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # held by another replica, or resting after "unsupported"
            return False
        return held is not None

    async def renew(self, connection_ids: Collection[str], owner: str, until: datetime) -> set[str]:
        """Extend this replica's leases; the ids it still holds."""
        if not connection_ids:
            return set()
        ids = list(connection_ids)
        await self._watches.update_many(
            {"_id": {"$in": ids}, "owner": owner}, {"$set": {"lease_until": until}}
        )
        cursor = self._watches.find({"_id": {"$in": ids}, "owner": owner}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def release(self, connection_id: str, owner: str) -> None:
        await self._watches.delete_one({"_id": connection_id, "owner": owner})

    async def rest(self, connection_id: str, owner: str, until: datetime) -> None:
        """The source cannot push: nobody watches it before ``until`` (a lease nobody holds)."""
        await self._watches.update_one(
            {"_id": connection_id, "owner": owner},
            {"$set": {"owner": None, "lease_until": until}},
        )
