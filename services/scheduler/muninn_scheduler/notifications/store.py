"""Notifications and per-user channel settings in MongoDB."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

NOTIFICATIONS = "notifications"
CHANNELS = "notification_channels"

Doc = dict[str, Any]


class NotificationStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._notifications = db[NOTIFICATIONS]
        self._channels = db[CHANNELS]

    async def ensure_indexes(self) -> None:
        await self._notifications.create_index(
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await self._notifications.create_index(
            [("user_id", ASCENDING), ("delivered_at", DESCENDING)]
        )
        await self._notifications.create_index([("user_id", ASCENDING), ("status", ASCENDING)])

    async def insert(self, doc: Doc, session: AsyncClientSession | None) -> None:
        await self._notifications.insert_one(doc, session=session)

    async def get(
        self, user_id: str, notification_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._notifications.find_one(
            {"_id": notification_id, "user_id": user_id}, session=session
        )

    async def by_id(
        self, notification_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._notifications.find_one({"_id": notification_id}, session=session)

    async def update(
        self, notification_id: str, changes: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._notifications.find_one_and_update(
            {"_id": notification_id},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def delivered_since(
        self, user_id: str, since: datetime, session: AsyncClientSession | None
    ) -> list[datetime]:
        cursor = self._notifications.find(
            {"user_id": user_id, "delivered_at": {"$gte": since}, "priority": {"$ne": "urgent"}},
            {"delivered_at": 1},
            session=session,
        ).sort("delivered_at", ASCENDING)
        return [d["delivered_at"] async for d in cursor]

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        if before is not None:
            at, item_id = before
            query = {
                "$and": [
                    query,
                    {
                        "$or": [
                            {"created_at": {"$lt": at}},
                            {"created_at": at, "_id": {"$lt": item_id}},
                        ]
                    },
                ]
            }
        cursor = (
            self._notifications.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def count(self, query: Doc) -> int:
        return await self._notifications.count_documents(query)

    async def channel_settings(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._channels.find_one({"_id": user_id}, session=session)

    async def save_channel_settings(self, user_id: str, doc: Doc) -> None:
        await self._channels.replace_one(
            {"_id": user_id}, {**doc, "_id": user_id, "user_id": user_id}, upsert=True
        )
