"""Erasure requests. They hold only a hash of the user id, so they outlive the user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
ERASURES = "erasures"


class ErasureStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._erasures = db[ERASURES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._erasures, "subject_hash")

    async def insert(self, doc: Doc, session: AsyncClientSession) -> None:
        await self._erasures.insert_one(doc, session=session)

    async def get(self, erasure_id: str, session: AsyncClientSession | None = None) -> Doc | None:
        return await self._erasures.find_one({"_id": erasure_id}, session=session)

    async def in_progress_for(self, subject_hash: str) -> Doc | None:
        return await self._erasures.find_one(
            {"subject_hash": subject_hash, "status": "in_progress"}
        )

    async def confirm(
        self, erasure_id: str, service: str, deleted: dict[str, int], session: AsyncClientSession
    ) -> Doc | None:
        return await update_one_and_read(
            self._erasures,
            {"_id": erasure_id},
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
