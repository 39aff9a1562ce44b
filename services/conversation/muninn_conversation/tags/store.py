"""The tag registry (names and colours) and the ``tags`` lists on conversations.

Items store tag names, not ids: the conversation list filters on them directly, and a rename
rewrites the items in the same transaction as the registry.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.conversations.store import CONVERSATIONS
from muninn_conversation.tags.counting import tag_counts
from muninn_conversation.tags.models import MAX_TAGS_PER_ITEM, replace_tag

Doc = dict[str, Any]
TAGS = "tags"


class TagStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._tags = db[TAGS]
        self._conversations = db[CONVERSATIONS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._tags, [("user_id", ASCENDING), ("name", ASCENDING)], unique=True)
        await ensure_index(self._conversations, [("user_id", ASCENDING), ("tags", ASCENDING)])

    # The registry.

    async def all(self, user_id: str) -> list[Doc]:
        return [d async for d in self._tags.find({"user_id": user_id}).sort("name", ASCENDING)]

    async def get(
        self, user_id: str, name: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._tags.find_one({"user_id": user_id, "name": name}, session=session)

    async def insert(self, doc: Doc) -> None:
        await self._tags.insert_one(doc)

    async def ensure(
        self,
        user_id: str,
        names: list[str],
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> None:
        """Register tags an item was given, keeping existing colours."""
        for name in names:
            await self._tags.update_one(
                {"user_id": user_id, "name": name},
                {
                    "$setOnInsert": {
                        "_id": uuid.uuid4().hex,
                        "color": None,
                        "created_at": at,
                        "updated_at": at,
                    }
                },
                upsert=True,
                session=session,
            )

    async def update(
        self, user_id: str, name: str, changes: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await update_one_and_read(
            self._tags,
            {"user_id": user_id, "name": name},
            {"$set": changes},
            session=session,
        )

    async def delete(
        self, user_id: str, name: str, session: AsyncClientSession | None = None
    ) -> bool:
        result = await self._tags.delete_one({"user_id": user_id, "name": name}, session=session)
        return result.deleted_count == 1

    # Tags on conversations (the conversation documents belong to the conversations feature;
    # only their ``tags`` field is managed here).

    async def conversation_counts(self, user_id: str) -> dict[str, int]:
        return await tag_counts(self._conversations, {"user_id": user_id})

    async def conversations_tagged(self, user_id: str, tag: str) -> int:
        return await self._conversations.count_documents({"user_id": user_id, "tags": tag})

    async def add_to_conversation(self, conversation_id: str, tag: str) -> list[str] | None:
        """The conversation's tags with ``tag`` added; ``None`` if it already has the most allowed."""
        room = {f"tags.{MAX_TAGS_PER_ITEM - 1}": {"$exists": False}}
        doc = await update_one_and_read(
            self._conversations,
            {"_id": conversation_id, "$or": [{"tags": tag}, room]},
            {"$addToSet": {"tags": tag}},
            projection={"tags": 1},
        )
        return list(doc.get("tags", [])) if doc else None

    async def remove_from_conversation(self, conversation_id: str, tag: str) -> list[str]:
        doc = await update_one_and_read(
            self._conversations,
            {"_id": conversation_id},
            {"$pull": {"tags": tag}},
            projection={"tags": 1},
        )
        return list(doc.get("tags", [])) if doc else []

    async def retag_conversations(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        """Rename or drop a tag on the conversations the user owns."""
        cursor = self._conversations.find(
            {"user_id": user_id, "tags": old}, {"tags": 1}, session=session
        )
        docs = [d async for d in cursor]
        for doc in docs:
            await self._conversations.update_one(
                {"_id": doc["_id"]},
                {"$set": {"tags": replace_tag(doc["tags"], old, new)}},
                session=session,
            )
        return len(docs)
