"""Bookmarks in MongoDB, one per user and message."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.messages.store import MESSAGES
from muninn_conversation.owned import OwnedDocuments

Doc = dict[str, Any]
BOOKMARKS = "bookmarks"


class BookmarkStore(OwnedDocuments):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[BOOKMARKS], order_field="created_at")
        self._bookmarks = self._owned
        self._messages = db[MESSAGES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._bookmarks, [("user_id", ASCENDING), ("message_id", ASCENDING)], unique=True
        )
        await ensure_index(
            self._bookmarks,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._bookmarks, [("conversation_id", ASCENDING)])

    async def for_message(self, user_id: str, message_id: str) -> Doc | None:
        return await self._bookmarks.find_one({"user_id": user_id, "message_id": message_id})

    async def messages(self, message_ids: list[str]) -> dict[str, Doc]:
        projection = {"role": 1, "author_id": 1, "content": 1, "is_deleted": 1, "created_at": 1}
        cursor = self._messages.find({"_id": {"$in": message_ids}}, projection)
        return {d["_id"]: d async for d in cursor}
