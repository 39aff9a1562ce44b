"""Provider ratings: what a person thinks of a provider, gathered from their reviewed experiences."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field


def provider_key(name: str) -> str:
    """'Dr. Mary' and 'dr mary' are one provider."""
    return re.sub(r"[^\w]+", " ", name.lower()).strip()


class ProviderRating(BaseModel):
    provider: str = Field(description="The name as last written.")
    provider_key: str
    provider_type: str
    personal_rating: float = Field(
        ge=1, le=5, description="Mean of stated ratings, or of ratings inferred from sentiment."
    )
    stated_ratings: int = Field(description="How many reviews gave a rating themselves.")
    recommendation: bool | None = Field(
        default=None, description="The latest review's answer to 'would you recommend it?'."
    )
    sentiment: dict[str, int] = Field(default_factory=dict)
    highlights: list[str] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)
    future_intent: str = "unsure"
    experience_count: int
    experience_ids: list[str]
    first_experience: datetime
    last_experience: datetime
    contexts: list[str] = Field(default_factory=list)
    updated_at: datetime


class ProviderRatingList(BaseModel):
    items: list[ProviderRating]
