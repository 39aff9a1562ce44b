"""The tag registry: each user's tag names and colours.

Items (conversations, notes, snippets) store tag names, not ids: the conversation list filters
on them directly, and a rename rewrites the items in the same transaction as the registry.
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

Doc = dict[str, Any]
TAGS = "tags"


class TagStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._tags = db[TAGS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._tags, [("user_id", ASCENDING), ("name", ASCENDING)], unique=True)

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
