"""Tasks in MongoDB."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.documents import UserDocuments, record_from
from muninn_scheduler.tasks.models import Task, TaskStatus

TASKS = "tasks"


def task_from_doc(doc: Mapping[str, Any]) -> Task:
    return record_from(Task, doc, completed=doc["status"] == TaskStatus.COMPLETED.value)


class TaskStore(UserDocuments):
    what = "Task"

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__(db[TASKS])

    async def ensure_indexes(self) -> None:
        await self.ensure_listing_index()
        await ensure_index(
            self._collection,
            [("user_id", ASCENDING), ("status", ASCENDING), ("due_at", ASCENDING)],
        )
        await ensure_index(self._collection, [("user_id", ASCENDING), ("series_id", ASCENDING)])
