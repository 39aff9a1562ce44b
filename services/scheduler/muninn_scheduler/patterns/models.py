"""Patterns learned from what a user does, as the API shows them, each with its evidence."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field


class PatternStatus(StrEnum):
    ACTIVE = "active"
    DISMISSED = "dismissed"


class PatternSource(StrEnum):
    OFFLINE = "offline"
    """Counted from the user's activity: messages, answers to notifications."""
    LLM = "llm"
    """Found by a language model in the user's memories (each pattern cites them)."""


class TimePatterns(BaseModel):
    days_of_week: list[int] = Field(
        default_factory=list, description="0 = Sunday … 6 = Saturday, in the user's time zone."
    )
    hours: list[int] = Field(default_factory=list, description="0-23, local time.")
    months: list[int] = Field(default_factory=list, description="1-12.")
    seasons: list[str] = Field(
        default_factory=list, description="spring, summer, autumn, winter (northern hemisphere)."
    )


class Pattern(BaseModel):
    id: str
    pattern_type: str = Field(
        description="activity_rhythm, responsiveness, communication_style, recurring_topic, "
        "or a behaviour a language model named (stress_response, decision_making…)."
    )
    name: str
    description: str
    triggers: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)
    evidence_count: int = Field(ge=0, description="Observations (or memories) behind it.")
    evidence: dict[str, Any] = Field(
        default_factory=dict,
        description="What it was learned from: counts per hour and day, response times, the "
        "memories a model cited…",
    )
    contexts: list[str] = Field(default_factory=list)
    time_patterns: TimePatterns = Field(default_factory=TimePatterns)
    recommendations: list[str] = Field(default_factory=list)
    preventative_actions: list[str] = Field(default_factory=list)
    source: PatternSource
    status: PatternStatus
    used_for_delivery: bool = Field(
        default=False,
        description="Notifications that can wait are delivered at these hours (the active "
        "hours, confident enough and not dismissed).",
    )
    first_observed: datetime | None = None
    last_observed: datetime | None = None
    dismissed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class PatternPage(CursorPage[Pattern]):
    pass


class LearningReport(BaseModel):
    """What a learning run found for the user."""

    learned: int = Field(description="Patterns written or refreshed.")
    from_memories: int = Field(description="Of them, found by a language model in memories.")
    llm: str = Field(
        description="used, not_configured (offline only), unavailable (the model or the "
        "memory service failed; offline patterns still learned) or nothing_to_read."
    )
    patterns: list[Pattern]
