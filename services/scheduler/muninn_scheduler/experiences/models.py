"""Experiences: appointments and outings; after one ends the person is asked how it went, and
the reply becomes a review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from muninn_shared.contexts import Context
from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator

from muninn_scheduler.language.reviews import ReviewInsights
from muninn_scheduler.schema import AwareDatetime, TimeZoneName

MAX_DURATION_MINUTES = 60 * 24 * 14
MAX_FOLLOW_UP_DELAY = 60 * 24 * 7
TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class ExperienceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class ExperienceIn(Strict):
    type: str = Field(
        default="appointment",
        pattern=TYPE_PATTERN,
        description="dentist_appointment, restaurant, concert, …",
    )
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    provider: str | None = Field(
        default=None, min_length=1, max_length=200, description="Dr. Mary Johnson, Tony's Pizza"
    )
    location: str | None = Field(default=None, max_length=300)
    scheduled_at: AwareDatetime | None = Field(default=None, description="An exact moment.")
    local_time: datetime | None = Field(
        default=None, description="Wall-clock start without offset, read in `timezone`."
    )
    timezone: TimeZoneName | None = None
    duration_minutes: int = Field(default=60, ge=1, le=MAX_DURATION_MINUTES)
    context: Context = Context.PERSONAL
    follow_up: bool = Field(default=True, description="Ask how it went after it ends.")
    follow_up_delay_minutes: int | None = Field(
        default=None, ge=0, le=MAX_FOLLOW_UP_DELAY, description="Wait after the end."
    )
    conversation_id: str | None = Field(
        default=None, max_length=64, description="Where the follow-up is asked."
    )

    @model_validator(mode="after")
    def _one_time(self) -> ExperienceIn:
        if (self.scheduled_at is None) == (self.local_time is None):
            raise ValueError("give exactly one of scheduled_at (with offset) or local_time")
        if self.local_time is not None and self.local_time.tzinfo is not None:
            raise ValueError("local_time is a wall-clock time without offset")
        return self


class ExperiencePatch(Strict):
    type: str | None = Field(default=None, pattern=TYPE_PATTERN)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    provider: str | None = Field(default=None, min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    scheduled_at: AwareDatetime | None = None
    local_time: datetime | None = None
    timezone: TimeZoneName | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_DURATION_MINUTES)
    status: ExperienceStatus | None = None
    context: Context | None = None
    follow_up: bool | None = None
    follow_up_delay_minutes: int | None = Field(default=None, ge=0, le=MAX_FOLLOW_UP_DELAY)
    conversation_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _valid(self) -> ExperiencePatch:
        require_change(self)
        if self.scheduled_at is not None and self.local_time is not None:
            raise ValueError("give scheduled_at or local_time, not both")
        if self.local_time is not None and self.local_time.tzinfo is not None:
            raise ValueError("local_time is a wall-clock time without offset")
        refuse_null(self, "type", "title", "duration_minutes", "status", "context", "follow_up")
        return self


class ReviewIn(Strict):
    text: str = Field(min_length=1, max_length=5000, description="How it went, in your words.")


class NaturalReview(BaseModel):
    user_response: str
    extracted_insights: ReviewInsights
    generated_review: str
    conversation_id: str | None = None
    message_id: str | None = None
    source: str = Field(description="conversation or api; extracted by rules or llm")
    extractor: str = "rules"
    timestamp: datetime


class Experience(BaseModel):
    id: str
    type: str
    title: str
    description: str | None = None
    provider: str | None = None
    location: str | None = None
    scheduled_at: datetime
    ends_at: datetime
    duration_minutes: int
    timezone: str
    status: ExperienceStatus
    context: Context
    completed_at: datetime | None = None
    follow_up: bool
    follow_up_at: datetime | None = Field(default=None, description="When we will ask how it went.")
    follow_up_sent_at: datetime | None = None
    follow_up_attempts: int = 0
    follow_up_conversation_id: str | None = None
    awaiting_review: bool = False
    review: NaturalReview | None = None
    conversation_id: str | None = None
    created_from: str = "manual"
    created_at: datetime
    updated_at: datetime


class ExperiencePage(CursorPage[Experience]):
    pass
