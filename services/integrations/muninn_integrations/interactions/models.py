"""Interactions: one e-mail, meeting, call, message or hand-logged moment with a contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from muninn_shared.pagination import CursorPage
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, field_validator, model_validator

MAX_SUBJECT = 200
MAX_SUMMARY = 500
MAX_ATTENDEES = 50
MAX_EXTERNAL_ID = 300
MAX_METADATA_KEYS = 20
MAX_FUTURE = timedelta(days=1)

Kind = Literal["email", "meeting", "call", "message", "manual"]
Direction = Literal["inbound", "outbound", "mutual"]
Source = Literal["mail", "calendar", "manual", "conversation"]
EDITABLE_SOURCES: frozenset[str] = frozenset({"manual", "conversation"})

Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}$")]
Sentiment = Annotated[float, Field(ge=-1.0, le=1.0)]
Minutes = Annotated[int, Field(ge=0, le=1440)]


def _aware(value: datetime) -> datetime:
    """UTC when no offset is given, to the millisecond (what MongoDB keeps), so a stored
    interaction reads back as it was given."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.replace(microsecond=aware.microsecond // 1000 * 1000)


def clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned[:limit] or None


class InteractionDraft(BaseModel):
    """What another feature (or a synced record) hands ``InteractionService.record``."""

    kind: Kind
    direction: Direction = "mutual"
    subject: str | None = None
    summary: str | None = None
    sentiment: Sentiment | None = None
    occurred_at: datetime
    duration_minutes: Minutes | None = None
    attendees: list[str] = Field(default_factory=list)
    external_id: Annotated[str, Field(min_length=1, max_length=MAX_EXTERNAL_ID)] | None = None
    source: Source = "manual"
    thread_id: Annotated[str, Field(max_length=MAX_EXTERNAL_ID)] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _aware_time(cls, value: datetime) -> datetime:
        return _aware(value)

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        return clip(value, MAX_SUBJECT)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str | None) -> str | None:
        return clip(value, MAX_SUMMARY)

    @field_validator("attendees")
    @classmethod
    def _attendees(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for address in value:
            cleaned = address.strip().lower()
            if "@" in cleaned and cleaned not in seen and len(cleaned) <= 320:
                seen.append(cleaned)
        return seen[:MAX_ATTENDEES]

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        return dict(list(value.items())[:MAX_METADATA_KEYS])


class InteractionRecord(BaseModel):
    id: str
    contact_id: str
    kind: Kind
    direction: Direction
    subject: str | None = None
    summary: str | None = None
    sentiment: float = 0.0
    occurred_at: datetime
    duration_minutes: int | None = None
    attendees: list[str] = Field(default_factory=list)
    external_id: str | None = None
    source: Source
    source_record_id: str | None = None
    thread_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    editable: bool = Field(description="Logged by hand or from conversation: may be edited.")
    created_at: datetime
    updated_at: datetime


class InteractionPage(CursorPage[InteractionRecord]):
    pass


Subject = Annotated[str, Field(min_length=1, max_length=MAX_SUBJECT)]
Summary = Annotated[str, Field(min_length=1, max_length=MAX_SUMMARY)]


def _not_far_ahead(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = _aware(value)
    if value > datetime.now(UTC) + MAX_FUTURE:
        raise ValueError("may be at most a day in the future")
    return value


class InteractionIn(Strict):
    """An interaction logged by hand (a call, a coffee, a message elsewhere)."""

    kind: Kind = "manual"
    direction: Direction = "mutual"
    subject: Subject | None = None
    summary: Summary | None = None
    content: Summary | None = Field(default=None, description="Another name for summary.")
    sentiment: Sentiment | None = Field(default=None, description="Scored from the text if unset.")
    occurred_at: datetime | None = Field(default=None, description="Default: now.")
    duration_minutes: Minutes | None = None
    attendees: Annotated[list[Email], Field(max_length=MAX_ATTENDEES)] = Field(default_factory=list)

    @field_validator("occurred_at")
    @classmethod
    def _when(cls, value: datetime | None) -> datetime | None:
        return _not_far_ahead(value)

    @model_validator(mode="after")
    def _one_text(self) -> InteractionIn:
        if self.summary is not None and self.content is not None:
            raise ValueError("send summary or content, not both")
        return self

    def draft(self, now: datetime) -> InteractionDraft:
        return InteractionDraft(
            kind=self.kind,
            direction=self.direction,
            subject=self.subject,
            summary=self.summary if self.summary is not None else self.content,
            sentiment=self.sentiment,
            occurred_at=self.occurred_at or now,
            duration_minutes=self.duration_minutes,
            attendees=list(self.attendees),
            source="manual",
        )


class InteractionPatch(Strict):
    """Fields not sent stay; subject, summary, sentiment and duration may be cleared (null)."""

    kind: Kind | None = None
    direction: Direction | None = None
    subject: Subject | None = None
    summary: Summary | None = None
    sentiment: Sentiment | None = None
    occurred_at: datetime | None = None
    duration_minutes: Minutes | None = None
    attendees: Annotated[list[Email], Field(max_length=MAX_ATTENDEES)] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _when(cls, value: datetime | None) -> datetime | None:
        return _not_far_ahead(value)

    @model_validator(mode="after")
    def _required_stay(self) -> InteractionPatch:
        for name in ("kind", "direction", "occurred_at", "attendees"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self
