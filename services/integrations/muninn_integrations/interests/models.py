"""A contact's interests (``contact_interests``) as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, field_validator

from muninn_integrations.interests.taxonomy import TAXONOMY


class ContactInterest(BaseModel):
    id: str
    contact_id: str
    category: str
    topic: str
    confidence: float = Field(ge=0, le=1, description="Decayed to the moment it was read")
    evidence_count: int
    source: Literal["inferred", "user"] = Field(
        description="'user' when added by hand: those never fade"
    )
    source_interactions: list[str] = Field(
        description="The last interactions that mentioned it ('<record_id>:<contact_id>')"
    )
    first_detected_at: datetime
    last_reinforced_at: datetime
    created_at: datetime
    updated_at: datetime


class InterestList(BaseModel):
    items: list[ContactInterest]


class InterestCreate(Strict):
    category: Annotated[str, Field(min_length=1, max_length=50)]
    topic: Annotated[str, Field(min_length=1, max_length=100)]

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        key = value.strip().casefold()
        if key not in TAXONOMY:
            raise ValueError(f"not a known category (one of: {', '.join(sorted(TAXONOMY))})")
        return key

    @field_validator("topic")
    @classmethod
    def _named_topic(cls, value: str) -> str:
        topic = " ".join(value.split()).casefold()
        if not topic:
            raise ValueError("a topic needs a name")
        return topic
