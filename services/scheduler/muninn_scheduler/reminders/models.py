"""Reminders with RFC 5545 recurrence, read in the person's timezone so a series keeps its
wall-clock time across DST changes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from muninn_shared.contexts import Context
from muninn_shared.pagination import CursorPage
from muninn_shared.patches import require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator

from muninn_scheduler.notifications.models import Priority
from muninn_scheduler.schema import TimeZoneName
from muninn_scheduler.timers.models import Misfire


class ReminderStatus(StrEnum):
    ACTIVE = "active"
    FIRED = "fired"  # a one-shot reminder that went off (snooze re-arms it)
    COMPLETED = "completed"


class ReminderIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    due_at: datetime | None = Field(default=None, description="An exact moment (with offset).")
    local_time: datetime | None = Field(
        default=None,
        description="A wall-clock time without offset, read in `timezone` (default: yours).",
    )
    timezone: TimeZoneName | None = None
    rrule: str | None = Field(
        default=None, max_length=500, description="e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    )
    priority: Priority = Priority.NORMAL
    context: Context = Context.PERSONAL
    conversation_id: str | None = Field(
        default=None, max_length=64, description="Where the reminder is said."
    )
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    misfire: Misfire | None = Field(
        default=None,
        description="After downtime: fire_late (default once-only), skip, or collapse (default recurring).",
    )

    @model_validator(mode="after")
    def _one_time(self) -> ReminderIn:
        if (self.due_at is None) == (self.local_time is None):
            raise ValueError("give exactly one of due_at (with offset) or local_time (wall clock)")
        if self.due_at is not None and self.due_at.tzinfo is None:
            raise ValueError(
                "due_at needs an offset, e.g. 2026-05-01T18:00:00+01:00; use local_time for wall-clock times"
            )
        if self.local_time is not None and self.local_time.tzinfo is not None:
            raise ValueError(
                "local_time is a wall-clock time without offset; use due_at for exact moments"
            )
        return self


class ReminderPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    due_at: datetime | None = None
    local_time: datetime | None = None
    timezone: TimeZoneName | None = None
    rrule: str | None = Field(default=None, max_length=500)
    priority: Priority | None = None
    context: Context | None = None
    conversation_id: str | None = Field(default=None, max_length=64)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, max_length=20
    )

    @model_validator(mode="after")
    def _valid(self) -> ReminderPatch:
        require_change(self)
        if self.due_at is not None and self.local_time is not None:
            raise ValueError("give due_at or local_time, not both")
        if self.due_at is not None and self.due_at.tzinfo is None:
            raise ValueError("due_at needs an offset")
        if self.local_time is not None and self.local_time.tzinfo is not None:
            raise ValueError("local_time is a wall-clock time without offset")
        return self


class Snooze(Strict):
    minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    until: datetime | None = None

    @model_validator(mode="after")
    def _one(self) -> Snooze:
        if (self.minutes is None) == (self.until is None):
            raise ValueError("give minutes or until")
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("until needs an offset")
        return self


class ReminderSource(BaseModel):
    kind: str = "api"
    conversation_id: str | None = None
    message_id: str | None = None
    text: str | None = None


class Reminder(BaseModel):
    id: str
    title: str
    notes: str | None = None
    timezone: str
    start_local: str = Field(
        description="The first occurrence as local wall-clock time (ISO, no offset)."
    )
    rrule: str | None = None
    next_due_at: datetime | None
    upcoming: list[datetime] = Field(
        default_factory=list, description="The next few occurrences (recurring)."
    )
    status: ReminderStatus
    priority: Priority
    context: Context
    conversation_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    misfire: Misfire
    snoozed_until: datetime | None = None
    fired_count: int = 0
    last_fired_at: datetime | None = None
    source: ReminderSource = Field(default_factory=ReminderSource)
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


class ReminderPage(CursorPage[Reminder]):
    pass
