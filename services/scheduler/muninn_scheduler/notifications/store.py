"""Notifications and per-user channel settings in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in, update_each

NOTIFICATIONS = "notifications"
CHANNELS = "notification_channels"

Doc = dict[str, Any]


class NotificationStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._notifications = db[NOTIFICATIONS]
        self._channels = db[CHANNELS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._notifications,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(
            self._notifications, [("user_id", ASCENDING), ("delivered_at", DESCENDING)]
        )
        await ensure_index(self._notifications, [("user_id", ASCENDING), ("status", ASCENDING)])

    async def insert(self, doc: Doc, session: AsyncClientSession | None) -> None:
        await self._notifications.insert_one(doc, session=session)

    async def insert_many(self, docs: list[Doc], session: AsyncClientSession | None) -> None:
        if docs:
            await self._notifications.insert_many(docs, session=session)

    async def by_ids(
        self, notification_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, Doc]:
        docs = await find_in(self._notifications, "_id", notification_ids, session)
        return {doc["_id"]: doc for doc in docs}

    async def update_each(
        self, changes: list[tuple[str, Doc]], session: AsyncClientSession | None
    ) -> None:
        """Apply per-document ``$set``s, batched."""
        await update_each(
            self._notifications, [(doc_id, {"$set": fields}) for doc_id, fields in changes], session
        )

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
        return await update_one_and_read(
            self._notifications,
            {"_id": notification_id},
            {"$set": changes},
            session=session,
        )

    async def delivered_since_many(
        self, user_ids: Iterable[str], since: datetime, session: AsyncClientSession | None
    ) -> dict[str, list[datetime]]:
        """Non-urgent deliveries since ``since`` per user, oldest first (for rate limits)."""
        users = set(user_ids)
        found: dict[str, list[datetime]] = {user: [] for user in users}
        docs = await find_in(
            self._notifications,
            "user_id",
            users,
            session,
            extra={"delivered_at": {"$gte": since}},
            projection={"user_id": 1, "delivered_at": 1, "priority": 1},
        )
        for doc in docs:
            if doc.get("priority") != "urgent":
                found[doc["user_id"]].append(doc["delivered_at"])
        for moments in found.values():
            moments.sort()
        return found

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

    async def channel_settings_many(
        self, user_ids: Iterable[str], session: AsyncClientSession | None
    ) -> dict[str, Doc]:
        docs = await find_in(self._channels, "_id", user_ids, session)
        return {doc["_id"]: doc for doc in docs}

    async def save_channel_settings(self, user_id: str, doc: Doc) -> None:
        await self._channels.replace_one(
            {"_id": user_id}, {**doc, "_id": user_id, "user_id": user_id}, upsert=True
        )

    async def confirm_email(self, user_id: str, token_hash: str, now: datetime) -> bool:
        """Mark the address confirmed if ``token_hash`` is its pending, unexpired token."""
        result = await self._channels.update_one(
            {
                "_id": user_id,
                "email_confirmation.token_hash": token_hash,
                "email_confirmation.expires_at": {"$gt": now},
            },
            {"$set": {"email_confirmed": True}, "$unset": {"email_confirmation": ""}},
        )
        return result.modified_count == 1
