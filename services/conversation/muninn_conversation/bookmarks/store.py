"""Bookmarks in MongoDB, one per user and message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.conversations.store import CONVERSATIONS
from muninn_conversation.messages.store import MESSAGES
from muninn_conversation.notes.store import keyset_after

Doc = dict[str, Any]
BOOKMARKS = "bookmarks"
NEWEST_CREATED_FIRST = [("created_at", DESCENDING), ("_id", DESCENDING)]


class BookmarkStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._bookmarks = db[BOOKMARKS]
        self._messages = db[MESSAGES]
        self._conversations = db[CONVERSATIONS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._bookmarks, [("user_id", ASCENDING), ("message_id", ASCENDING)], unique=True
        )
        await ensure_index(
            self._bookmarks,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._bookmarks, [("conversation_id", ASCENDING)])

    async def insert(self, doc: Doc) -> None:
        await self._bookmarks.insert_one(doc)

    async def get(self, user_id: str, bookmark_id: str) -> Doc | None:
        return await self._bookmarks.find_one({"_id": bookmark_id, "user_id": user_id})

    async def for_message(self, user_id: str, message_id: str) -> Doc | None:
        return await self._bookmarks.find_one({"user_id": user_id, "message_id": message_id})

    async def update(self, user_id: str, bookmark_id: str, changes: Doc) -> Doc | None:
        return await update_one_and_read(
            self._bookmarks,
            {"_id": bookmark_id, "user_id": user_id},
            {"$set": changes},
        )

    async def delete(self, user_id: str, bookmark_id: str) -> bool:
        result = await self._bookmarks.delete_one({"_id": bookmark_id, "user_id": user_id})
        return result.deleted_count == 1

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        cursor = self._bookmarks.find(keyset_after(query, before, "created_at"))
        return [d async for d in cursor.sort(NEWEST_CREATED_FIRST).limit(limit)]

    async def messages(self, message_ids: list[str]) -> dict[str, Doc]:
        projection = {"role": 1, "author_id": 1, "content": 1, "is_deleted": 1, "created_at": 1}
        cursor = self._messages.find({"_id": {"$in": message_ids}}, projection)
        return {d["_id"]: d async for d in cursor}

    async def conversation_titles(self, conversation_ids: list[str]) -> dict[str, str | None]:
        cursor = self._conversations.find({"_id": {"$in": conversation_ids}}, {"title": 1})
        return {d["_id"]: d.get("title") async for d in cursor}
