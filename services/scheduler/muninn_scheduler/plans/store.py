"""Plans made from conversation: what was created from which message (for undo)."""

from __future__ import annotations

from datetime import datetime

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

PLANS = "plans"


class PlanStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._plans = db[PLANS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._plans,
            [("user_id", ASCENDING), ("conversation_id", ASCENDING), ("created_at", DESCENDING)],
        )
        await ensure_index(self._plans, [("user_id", ASCENDING), ("message_id", ASCENDING)])

    async def insert(self, doc: Document, session: AsyncClientSession) -> None:
        await self._plans.insert_one(doc, session=session)

    async def for_message(
        self, user_id: str, message_id: str, session: AsyncClientSession
    ) -> Document | None:
        return await self._plans.find_one(
            {"user_id": user_id, "message_id": message_id}, session=session
        )

    async def latest_undoable(
        self, user_id: str, conversation_id: str, since: datetime, session: AsyncClientSession
    ) -> Document | None:
        cursor = self._plans.find(
            {"user_id": user_id, "conversation_id": conversation_id, "undone_at": None},
            session=session,
        )
        candidates = [d async for d in cursor if d["created_at"] >= since]
        return max(candidates, key=lambda d: d["created_at"], default=None)

    async def mark_undone(self, plan_id: str, at: datetime, session: AsyncClientSession) -> None:
        await self._plans.update_one({"_id": plan_id}, {"$set": {"undone_at": at}}, session=session)
