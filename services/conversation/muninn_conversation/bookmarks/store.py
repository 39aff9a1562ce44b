"""Bookmarks in MongoDB, one per user and message."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.owned import OwnedDocuments

Doc = dict[str, Any]
BOOKMARKS = "bookmarks"


class BookmarkStore(OwnedDocuments):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[BOOKMARKS], order_field="created_at")
        self._bookmarks = self._owned

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
