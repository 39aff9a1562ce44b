"""Erasure requests. They hold only a hash of the user id, so they outlive the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document, update_one_and_read
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

ERASURES = "erasures"


@dataclass(frozen=True)
class ErasureProgress:
    in_progress: int
    stuck: int
    oldest_requested_at: datetime | None


class ErasureStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._erasures = db[ERASURES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._erasures, "subject_hash")
        await ensure_index(self._erasures, [("status", 1), ("announced_at", 1)])

    async def insert(self, doc: Document, session: AsyncClientSession) -> None:
        await self._erasures.insert_one(doc, session=session)

    async def get(
        self, erasure_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        return await self._erasures.find_one({"_id": erasure_id}, session=session)

    async def stuck(self, announced_before: datetime, limit: int = 100) -> list[Document]:
        """Erasures in progress whose last announcement is older than ``announced_before``."""
        cursor = self._erasures.find(
            {
                "status": "in_progress",
                "$or": [
                    {"announced_at": {"$lt": announced_before}},
                    # Requested before announcements were recorded.
                    {"announced_at": {"$exists": False}, "requested_at": {"$lt": announced_before}},
                ],
            }
        ).limit(limit)
        return [doc async for doc in cursor]

    async def progress(self, announced_before: datetime) -> ErasureProgress:
        """How many erasures are in progress, how many of those are stuck (as :meth:`stuck`
        sees them), and when the oldest was requested: for the erasure gauges."""
        in_progress = {"status": "in_progress"}
        count = await self._erasures.count_documents(in_progress)
        if count == 0:
            return ErasureProgress(0, 0, None)
        stuck = await self._erasures.count_documents(
            {
                **in_progress,
                "$or": [
                    {"announced_at": {"$lt": announced_before}},
                    {"announced_at": {"$exists": False}, "requested_at": {"$lt": announced_before}},
                ],
            }
        )
        oldest = await self._erasures.find_one(
            in_progress, {"requested_at": 1}, sort=[("requested_at", 1)]
        )
        requested = oldest.get("requested_at") if oldest else None
        return ErasureProgress(count, stuck, requested if isinstance(requested, datetime) else None)

    async def claim_reannouncement(
        self, erasure: Document, now: datetime, session: AsyncClientSession
    ) -> bool:
        """Record a new announcement unless another replica made one since ``erasure`` was read."""
        query: Document = {"_id": erasure["_id"], "status": "in_progress"}
        query["announced_at"] = erasure.get("announced_at", {"$exists": False})
        result = await self._erasures.update_one(
            query, {"$set": {"announced_at": now}, "$inc": {"announcements": 1}}, session=session
        )
        return result.modified_count == 1

    async def confirm(
        self, erasure_id: str, service: str, deleted: dict[str, int], session: AsyncClientSession
    ) -> Document | None:
        """Record ``service``'s confirmation; ``None`` if unknown or confirmed before.

        A re-announced erasure can be confirmed twice by a service; the first confirmation
        (with what it deleted) is the one kept.
        """
        return await update_one_and_read(
            self._erasures,
            {"_id": erasure_id, f"services.{service}.status": {"$ne": "completed"}},
            {
                "$set": {
                    f"services.{service}.status": "completed",
                    f"services.{service}.deleted": deleted,
                    f"services.{service}.completed_at": datetime.now(UTC),
                }
            },
            session=session,
        )

    async def complete(self, erasure_id: str, session: AsyncClientSession) -> None:
        await self._erasures.update_one(
            {"_id": erasure_id},
            {"$set": {"status": "completed", "completed_at": datetime.now(UTC)}},
            session=session,
        )
