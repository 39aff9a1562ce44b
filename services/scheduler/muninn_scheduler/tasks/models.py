"""Tasks: each has a priority and a context, may have due and scheduled dates, an estimate and
a recurrence rule, and can send a reminder ahead of its due time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from muninn_shared.contexts import Context
from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator

from muninn_scheduler.notifications.models import Priority
from muninn_scheduler.schema import AwareDatetime, Tags, TimeZoneName

MAX_ESTIMATE_MINUTES = 60 * 24 * 7
MAX_LEAD_MINUTES = 60 * 24 * 30


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    def notification_priority(self) -> Priority:
        return Priority.NORMAL if self == TaskPriority.MEDIUM else Priority(self.value)


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN = (TaskStatus.TODO.value, TaskStatus.IN_PROGRESS.value)


class TaskIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    priority: TaskPriority = TaskPriority.MEDIUM
    context: Context = Context.PERSONAL
    status: TaskStatus = Field(default=TaskStatus.TODO, description="todo or in_progress")
    due_at: AwareDatetime | None = None
    scheduled_at: AwareDatetime | None = Field(default=None, description="When you plan to do it.")
    estimated_minutes: int | None = Field(default=None, ge=1, le=MAX_ESTIMATE_MINUTES)
    tags: Tags = Field(default_factory=list)
    rrule: str | None = Field(
        default=None,
        max_length=500,
        description="Repeat (RFC 5545, e.g. FREQ=WEEKLY;BYDAY=MO) from the due date, in your "
        "timezone; completing a task creates the next one.",
    )
    timezone: TimeZoneName | None = Field(default=None, description="Default: yours.")
    remind_minutes_before: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LEAD_MINUTES,
        description="Notify this long before the due time (0: at the due time).",
    )
    conversation_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _consistent(self) -> TaskIn:
        if self.status not in (TaskStatus.TODO, TaskStatus.IN_PROGRESS):
            raise ValueError("a new task is todo or in_progress")
        if self.rrule and self.due_at is None:
            raise ValueError("a repeating task needs a due_at to repeat from")
        if self.remind_minutes_before is not None and self.due_at is None:
            raise ValueError("a reminder before the due time needs a due_at")
        return self


class TaskPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    priority: TaskPriority | None = None
    context: Context | None = None
    status: TaskStatus | None = Field(
        default=None, description="todo, in_progress or cancelled (complete has its own call)"
    )
    due_at: AwareDatetime | None = None
    scheduled_at: AwareDatetime | None = None
    estimated_minutes: int | None = Field(default=None, ge=1, le=MAX_ESTIMATE_MINUTES)
    tags: Tags | None = None
    rrule: str | None = Field(default=None, max_length=500)
    timezone: TimeZoneName | None = None
    remind_minutes_before: int | None = Field(default=None, ge=0, le=MAX_LEAD_MINUTES)

    @model_validator(mode="after")
    def _valid(self) -> TaskPatch:
        require_change(self)
        if self.status == TaskStatus.COMPLETED:
            raise ValueError("complete a task with POST /v1/tasks/{id}/complete")
        refuse_null(self, "title", "priority", "context", "status", "tags")
        return self


class Task(BaseModel):
    id: str
    title: str
    description: str | None = None
    priority: TaskPriority
    context: Context
    status: TaskStatus
    completed: bool
    completed_at: datetime | None = None
    due_at: datetime | None = None
    scheduled_at: datetime | None = None
    estimated_minutes: int | None = None
    tags: list[str] = Field(default_factory=list)
    rrule: str | None = None
    timezone: str
    remind_minutes_before: int | None = None
    remind_at: datetime | None = None
    series_id: str = Field(description="Shared by every occurrence of a repeating task.")
    occurrence: int = Field(default=1, description="1 for the first of a series.")
    next_task_id: str | None = Field(
        default=None, description="The occurrence created when this one was completed."
    )
    created_from: str = "manual"
    conversation_id: str | None = None
    created_at: datetime
    updated_at: datetime


class TaskPage(CursorPage[Task]):
    pass


class Completion(BaseModel):
    task: Task
    next: Task | None = Field(default=None, description="The next occurrence (repeating tasks).")
