"""What the scheduler made of one synced calendar event: its reminder and its experience."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CalendarLink:
    user_id: str
    record_id: str
    title: str
    starts_at: datetime
    reminder_id: str | None
    experience_id: str | None


def calendar_link(doc: Mapping[str, Any]) -> CalendarLink:
    return CalendarLink(
        user_id=doc["user_id"],
        record_id=doc["record_id"],
        title=doc["title"],
        starts_at=doc["starts_at"],
        reminder_id=doc.get("reminder_id"),
        experience_id=doc.get("experience_id"),
    )
