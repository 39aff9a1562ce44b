"""Notifications and per-user channel settings in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in
from muninn_scheduler.documents import UserDocuments, record_from
from muninn_scheduler.notifications.models import Notification, NotificationStatus

NOTIFICATIONS = "notifications"
CHANNELS = "notification_channels"


def notification_from_doc(doc: Mapping[str, Any]) -> Notification:
    return record_from(Notification, doc)


class NotificationStore(UserDocuments):
    collection = NOTIFICATIONS
    what = "Notification"
    indexes = (
        [("user_id", ASCENDING), ("delivered_at", DESCENDING)],
        [("user_id", ASCENDING), ("status", ASCENDING)],
    )

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__(db)
        self._channels = db[CHANNELS]

    async def insert_many(self, docs: list[Document], session: AsyncClientSession | None) -> None:
        if docs:
            await self._collection.insert_many(docs, session=session)

    async def by_id(
        self, notification_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        return await self._collection.find_one({"_id": notification_id}, session=session)

    async def open_about(
        self,
        user_id: str,
        kind: str,
        ref_id: str,
        source: Mapping[str, str],
        session: AsyncClientSession | None,
        *,
        ref_kind: str | None = None,
    ) -> list[Document]:
        query: Document = {
            "user_id": user_id,
            "status": {
                "$in": [NotificationStatus.SCHEDULED.value, NotificationStatus.UNREAD.value]
            },
            "kind": kind,
            "ref_id": ref_id,
            **{f"source.{name}": value for name, value in source.items()},
        }
        if ref_kind is not None:
            query["ref_kind"] = ref_kind
        return [doc async for doc in self._collection.find(query, session=session)]

    async def delete_many(self, ids: list[str], session: AsyncClientSession | None) -> None:
        if ids:
            await self._collection.delete_many({"_id": {"$in": ids}}, session=session)

    async def delivered_since_many(
        self, user_ids: Iterable[str], since: datetime, session: AsyncClientSession | None
    ) -> dict[str, list[datetime]]:
        """Non-urgent deliveries since ``since`` per user, oldest first (for rate limits)."""
        users = set(user_ids)
        found: dict[str, list[datetime]] = {user: [] for user in users}
        docs = await find_in(
            self._collection,
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

    async def count(self, query: Document) -> int:
        return await self._collection.count_documents(query)

    async def channel_settings(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        return await self._channels.find_one({"_id": user_id}, session=session)

    async def channel_settings_many(
        self, user_ids: Iterable[str], session: AsyncClientSession | None
    ) -> dict[str, Document]:
        docs = await find_in(self._channels, "_id", user_ids, session)
        return {doc["_id"]: doc for doc in docs}

    async def save_channel_settings(self, user_id: str, doc: Document) -> None:
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
