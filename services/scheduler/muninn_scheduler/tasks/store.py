"""Tasks in MongoDB."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING

from muninn_scheduler.documents import UserDocuments, record_from
from muninn_scheduler.tasks.models import Task, TaskStatus

TASKS = "tasks"


def task_from_doc(doc: Mapping[str, Any]) -> Task:
    return record_from(Task, doc, completed=doc["status"] == TaskStatus.COMPLETED.value)


class TaskStore(UserDocuments):
    collection = TASKS
    what = "Task"
    indexes = (
        [("user_id", ASCENDING), ("status", ASCENDING), ("due_at", ASCENDING)],
        [("user_id", ASCENDING), ("series_id", ASCENDING)],
    )
