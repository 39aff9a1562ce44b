"""Reminders in MongoDB."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING

from muninn_scheduler.documents import UserDocuments, record_from
from muninn_scheduler.reminders.models import Reminder, ReminderStatus
from muninn_scheduler.reminders.recurrence import upcoming

REMINDERS = "reminders"


def reminder_from_doc(doc: Mapping[str, Any], *, preview: int = 0) -> Reminder:
    """The reminder, with its next ``preview`` occurrences when it is an active series."""
    reminder = record_from(Reminder, doc)
    if (
        preview
        and doc.get("rrule")
        and doc.get("next_due_at")
        and doc["status"] == ReminderStatus.ACTIVE.value
    ):
        zone = ZoneInfo(doc["timezone"])
        start = datetime.fromisoformat(doc["start_local"])
        after = doc["next_due_at"] - timedelta(seconds=1)
        reminder.upcoming = upcoming(doc["rrule"], start, zone, after, preview)
    return reminder


class ReminderStore(UserDocuments):
    collection = REMINDERS
    what = "Reminder"
    indexes = ([("user_id", ASCENDING), ("status", ASCENDING), ("next_due_at", ASCENDING)],)
