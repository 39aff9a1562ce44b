"""Memory summaries as the API shows them (stored in the ``memory_summaries`` collection)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Literal

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field

Period = Literal["week", "month", "quarter", "year"]


class LearnedPreference(BaseModel):
    preference: str
    category: str = Field(examples=["food", "entertainment", "travel", "work_style"])
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    confidence: float = Field(ge=0, le=1)
    evidence: list[str] = Field(description="What the user said that supports it.")
    memory_ids: list[str] = Field(description="The memories it rests on.")


class NewRelationship(BaseModel):
    entity1: str
    entity2: str
    relationship: str
    strength: int = Field(ge=1, le=10)


class TimeRange(BaseModel):
    start: datetime
    end: datetime = Field(description="Exclusive.")
    period: Period


class Summary(BaseModel):
    id: str
    time_range: TimeRange
    summary: str
    key_insights: list[str]
    important_events: list[str]
    learned_preferences: list[LearnedPreference]
    entities: list[str]
    new_relationships: list[NewRelationship]
    context_breakdown: dict[str, float] = Field(
        description="Share of the period's memories per context, in percent."
    )
    original_memory_count: int
    compression_ratio: float = Field(
        description="Characters of the period's memories per character of the summary."
    )
    generator: str = Field(description="'rules-v1' or 'llm:<model>'.")
    built_from: list[str] = Field(
        default_factory=list,
        description="For a quarter or a year: the summaries of its months or quarters, in order.",
    )
    created_at: datetime
    updated_at: datetime


class SummaryPage(CursorPage[Summary]):
    pass


class SummaryRequest(BaseModel):
    period: Period = Field(
        default="week",
        description="A week or month is summarised from its memories; a quarter from its "
        "months and a year from its quarters (each made first when missing or made before "
        "its period ended).",
    )
    date: dt.date | None = Field(
        default=None,
        # A period's end must still be a date: the last year a year's summary can end in.
        ge=dt.date(1900, 1, 1),
        le=dt.date(9998, 12, 31),
        description="Any day of the period to summarise (UTC); default: the last completed one.",
    )
