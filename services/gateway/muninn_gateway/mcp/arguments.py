"""The input of every MCP tool: pydantic models whose JSON schema is what the model reads.

Descriptions are written for a language model choosing and filling in a tool: what a field
means, its format, and what to leave out. Unknown fields are refused, so a mistyped argument
is reported instead of silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="An id returned by another tool.",
    ),
]
Context = Literal["work", "personal", "family"]
MemoryType = Literal[
    "conversation",
    "task_completion",
    "preference_learned",
    "context_switch",
    "personal_info",
    "experience_review",
    "goal_setting",
    "relationship_info",
    "calendar_event",
    "email",
]
Tag = Annotated[str, Field(min_length=1, max_length=40)]
Limit = Annotated[int, Field(ge=1, le=100, description="How many items at most.")]
Cursor = Annotated[
    str | None,
    Field(
        default=None,
        max_length=500,
        description="next_cursor from the previous page; leave out for the first page.",
    ),
]


class Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatMessage(Arguments):
    role: Literal["user", "assistant"] = Field(description="Who said it.")
    content: str = Field(min_length=1, max_length=20_000)
    created_at: AwareDatetime | None = Field(
        default=None, description="When it was said (ISO 8601 with offset); default now."
    )


class Remember(Arguments):
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=20_000,
        description="One fact to remember, in plain words, e.g. 'My sister Ingrid lives in "
        "Bergen.' Give either text or messages.",
    )
    messages: list[ChatMessage] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Part of a conversation to learn from: each message is kept, and facts "
        "are extracted and reconciled with what is already known (a correction replaces the "
        "old fact). Give either text or messages.",
    )
    context: Context | None = Field(default=None, description="The area of life it belongs to.")
    tags: list[Tag] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_shape(self) -> Remember:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give either text or messages")
        return self


class Recall(Arguments):
    query: str = Field(
        min_length=1,
        max_length=4000,
        description="What you want to know, as a question or keywords, e.g. 'where does my "
        "sister live?'",
    )
    limit: int = Field(default=10, ge=1, le=50, description="How many memories at most.")
    token_budget: int | None = Field(
        default=2000,
        ge=50,
        le=50_000,
        description="Stop adding memories once their text would exceed this many tokens.",
    )
    types: list[MemoryType] = Field(default_factory=list, description="Only these kinds.")
    context: Context | None = None
    after: AwareDatetime | None = Field(
        default=None, description="Only what happened at or after this moment (ISO 8601)."
    )
    before: AwareDatetime | None = Field(
        default=None, description="Only what happened before this moment (ISO 8601)."
    )
    entities: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=10,
        description="Only memories about these people, places or things (names or ids).",
    )
    include_documents: bool = Field(
        default=False, description="Also search the user's uploaded documents."
    )


class ListMemories(Arguments):
    types: list[MemoryType] = Field(default_factory=list, description="Only these kinds.")
    context: Context | None = None
    tag: Tag | None = None
    after: AwareDatetime | None = None
    before: AwareDatetime | None = None
    limit: Limit = 20
    cursor: Cursor = None


class MemoryRef(Arguments):
    memory_id: Id


class CreateReminder(Arguments):
    title: str = Field(min_length=1, max_length=200, description="What to be reminded of.")
    notes: str | None = Field(default=None, max_length=5000)
    local_time: datetime | None = Field(
        default=None,
        description="Wall-clock time in the user's time zone, without offset, e.g. "
        "'2026-12-01T18:00:00'. Give either local_time or due_at.",
    )
    due_at: AwareDatetime | None = Field(
        default=None,
        description="An exact moment with offset, e.g. '2026-12-01T18:00:00+01:00'.",
    )
    rrule: str | None = Field(
        default=None,
        max_length=500,
        description="Repeat rule (RFC 5545), e.g. 'FREQ=WEEKLY;BYDAY=TU'; leave out for once.",
    )
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    context: Context = "personal"

    @model_validator(mode="after")
    def _one_time(self) -> CreateReminder:
        if (self.local_time is None) == (self.due_at is None):
            raise ValueError("give either local_time or due_at")
        if self.local_time is not None and self.local_time.tzinfo is not None:
            raise ValueError("local_time is a wall-clock time without offset; use due_at")
        return self


class ListReminders(Arguments):
    status: Literal["active", "fired", "completed"] | None = Field(
        default=None, description="Leave out for all."
    )
    context: Context | None = None
    limit: Limit = 20
    cursor: Cursor = None


class ReminderRef(Arguments):
    reminder_id: Id


class CreateTask(Arguments):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    context: Context = "personal"
    due_at: AwareDatetime | None = Field(default=None, description="Deadline, with offset.")
    scheduled_at: AwareDatetime | None = Field(
        default=None, description="When the user plans to do it, with offset."
    )
    estimated_minutes: int | None = Field(default=None, ge=1, le=10_000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class ListTasks(Arguments):
    status: Literal["todo", "in_progress", "completed", "cancelled"] | None = Field(
        default=None, description="Leave out for all."
    )
    context: Context | None = None
    priority: Literal["low", "medium", "high", "urgent"] | None = None
    due_before: AwareDatetime | None = None
    limit: Limit = 20
    cursor: Cursor = None


class TaskRef(Arguments):
    task_id: Id


class LookupContact(Arguments):
    name: str = Field(
        min_length=1,
        max_length=100,
        description="The start of the person's name or e-mail address, e.g. 'Ana' or 'ana@'.",
    )
    limit: int = Field(default=3, ge=1, le=10, description="How many matching people at most.")


class ListEvents(Arguments):
    start: AwareDatetime = Field(description="Range start, inclusive (ISO 8601 with offset).")
    end: AwareDatetime = Field(
        description="Range end, exclusive (ISO 8601 with offset); at most 366 days after start."
    )

    @model_validator(mode="after")
    def _ordered(self) -> ListEvents:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self
