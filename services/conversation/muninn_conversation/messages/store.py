"""Messages in MongoDB. Sources, tool calls and attachments are embedded: they live and die with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
MESSAGES = "messages"


class MessageStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._messages = db[MESSAGES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._messages, [("conversation_id", ASCENDING), ("created_at", ASCENDING)]
        )
        await ensure_index(
            self._messages,
            [("conversation_id", ASCENDING), ("parent_id", ASCENDING), ("branch_index", ASCENDING)],
        )
        await ensure_index(self._messages, [("status", ASCENDING), ("lease_until", ASCENDING)])
        await ensure_index(self._messages, "user_id")

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        await self._messages.insert_one(doc, session=session)

    async def get(self, conversation_id: str, message_id: str) -> Doc | None:
        return await self._messages.find_one(
            {"_id": message_id, "conversation_id": conversation_id}
        )

    async def by_id(self, message_id: str) -> Doc | None:
        return await self._messages.find_one({"_id": message_id})

    async def all_in(self, conversation_id: str) -> list[Doc]:
        cursor = self._messages.find({"conversation_id": conversation_id}).sort(
            "created_at", ASCENDING
        )
        return [d async for d in cursor]

    async def sibling_count(
        self, conversation_id: str, parent_id: str | None, session: AsyncClientSession | None = None
    ) -> int:
        return await self._messages.count_documents(
            {"conversation_id": conversation_id, "parent_id": parent_id}, session=session
        )

    async def update(
        self, message_id: str, changes: Doc, *, only_if_status: list[str] | None = None
    ) -> Doc | None:
        query: Doc = {"_id": message_id}
        if only_if_status is not None:
            query["status"] = {"$in": only_if_status}
        changes = {**changes, "updated_at": datetime.now(UTC)}
        return await update_one_and_read(
            self._messages,
            query,
            {"$set": changes},
        )

    async def save_progress(
        self, message_id: str, content: str, lease_until: datetime
    ) -> Doc | None:
        """Persist streamed text so far; returns the doc (to see a stop requested elsewhere)."""
        return await update_one_and_read(
            self._messages,
            {"_id": message_id, "status": {"$in": ["pending", "generating"]}},
            {
                "$set": {
                    "content": content,
                    "lease_until": lease_until,
                    "updated_at": datetime.now(UTC),
                }
            },
        )

    async def expired_generations(self, now: datetime, limit: int = 100) -> list[Doc]:
        cursor = self._messages.find(
            {"status": {"$in": ["pending", "generating"]}, "lease_until": {"$lt": now}}
        ).limit(limit)
        return [d async for d in cursor]
