"""Reminders in MongoDB."""

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

REMINDERS = "reminders"

Doc = dict[str, Any]


class ReminderStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._reminders = db[REMINDERS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._reminders,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(
            self._reminders,
            [("user_id", ASCENDING), ("status", ASCENDING), ("next_due_at", ASCENDING)],
        )

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        await self._reminders.insert_one(doc, session=session)

    async def insert_many(self, docs: list[Doc]) -> None:
        if docs:
            await self._reminders.insert_many(docs, ordered=False)

    async def get(
        self, user_id: str, reminder_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._reminders.find_one(
            {"_id": reminder_id, "user_id": user_id}, session=session
        )

    async def by_id(
        self, reminder_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._reminders.find_one({"_id": reminder_id}, session=session)

    async def by_ids(
        self, reminder_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, Doc]:
        docs = await find_in(self._reminders, "_id", reminder_ids, session)
        return {doc["_id"]: doc for doc in docs}

    async def update_each(
        self, updates: list[tuple[str, Doc, Doc | None]], session: AsyncClientSession | None
    ) -> None:
        """Per-reminder ``$set`` (and ``$inc``), batched."""
        requests: list[tuple[str, Doc]] = []
        for reminder_id, changes, inc in updates:
            update: Doc = {"$set": changes}
            if inc:
                update["$inc"] = inc
            requests.append((reminder_id, update))
        await update_each(self._reminders, requests, session)

    async def update(
        self,
        reminder_id: str,
        changes: Doc,
        session: AsyncClientSession | None = None,
        *,
        inc: Doc | None = None,
    ) -> Doc | None:
        update: Doc = {"$set": changes}
        if inc:
            update["$inc"] = inc
        return await update_one_and_read(
            self._reminders, {"_id": reminder_id}, update, session=session
        )

    async def delete(self, reminder_id: str, session: AsyncClientSession | None = None) -> None:
        await self._reminders.delete_one({"_id": reminder_id}, session=session)

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
            self._reminders.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]
