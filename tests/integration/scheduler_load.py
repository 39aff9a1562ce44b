"""Seed many due reminders straight into the scheduler's database (tests and the benchmark)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from muninn_scheduler.reminders.store import REMINDERS
from muninn_scheduler.timers.models import Misfire, new_timer
from muninn_scheduler.timers.store import TIMERS
from pymongo import AsyncMongoClient


async def seed_reminders(
    client: AsyncMongoClient[dict[str, Any]],
    database: str,
    count: int,
    *,
    due: datetime,
    spread: timedelta = timedelta(0),
    users: int | None = None,
    priority: str = "urgent",
    batch: int = 2000,
) -> list[str]:
    """``count`` active one-shot reminders with their timers, due from ``due`` over ``spread``.

    Urgent by default so quiet hours and rate limits never hold them back (the replica test
    counts fires); the benchmark uses normal priority to pay for those checks.
    """
    db = client[database]
    ids: list[str] = []
    users = users or count
    for start in range(0, count, batch):
        reminders: list[dict[str, Any]] = []
        timers: list[dict[str, Any]] = []
        for n in range(start, min(count, start + batch)):
            reminder_id = uuid.uuid4().hex
            at = due + spread * (n / max(1, count - 1))
            user_id = f"load-{n % users}"
            reminders.append(
                {
                    "_id": reminder_id,
                    "user_id": user_id,
                    "title": f"Load reminder {n}",
                    "notes": None,
                    "timezone": "UTC",
                    "start_local": at.replace(tzinfo=None).isoformat(),
                    "rrule": None,
                    "next_due_at": at,
                    "status": "active",
                    "priority": priority,
                    "context": "personal",
                    "conversation_id": None,
                    "tags": [],
                    "misfire": Misfire.FIRE_LATE.value,
                    "snoozed_until": None,
                    "fired_count": 0,
                    "last_fired_at": None,
                    "source": {"kind": "load"},
                    "created_at": at,
                    "updated_at": at,
                    "completed_at": None,
                }
            )
            timers.append(
                new_timer(
                    user_id=user_id,
                    kind="reminder",
                    due_at=at,
                    ref_id=reminder_id,
                    payload={"occurrence": at.isoformat()},
                    now=at,
                )
            )
            ids.append(reminder_id)
        await db[REMINDERS].insert_many(reminders, ordered=False)
        await db[TIMERS].insert_many(timers, ordered=False)
    return ids
