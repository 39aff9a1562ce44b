"""Tasks in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in
from muninn_scheduler.pages import before_cursor

TASKS = "tasks"

Doc = dict[str, Any]


class TaskStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._tasks = db[TASKS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._tasks, [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(
            self._tasks, [("user_id", ASCENDING), ("status", ASCENDING), ("due_at", ASCENDING)]
        )
        await ensure_index(self._tasks, [("user_id", ASCENDING), ("series_id", ASCENDING)])

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        await self._tasks.insert_one(doc, session=session)

    async def get(
        self, user_id: str, task_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._tasks.find_one({"_id": task_id, "user_id": user_id}, session=session)

    async def by_ids(self, task_ids: Iterable[str], session: AsyncClientSession) -> dict[str, Doc]:
        return {doc["_id"]: doc for doc in await find_in(self._tasks, "_id", task_ids, session)}

    async def update(
        self, task_id: str, changes: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await update_one_and_read(
            self._tasks,
            {"_id": task_id},
            {"$set": changes},
            session=session,
        )

    async def delete(self, task_id: str, session: AsyncClientSession | None = None) -> None:
        await self._tasks.delete_one({"_id": task_id}, session=session)

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        cursor = (
            self._tasks.find(before_cursor(query, before))
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]
