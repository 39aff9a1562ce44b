"""People search: contacts found by what their memories say."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PersonMatch(BaseModel):
    memory_id: str
    content: str
    kind: str | None = Field(
        default=None,
        description="card, summary, insight, briefing, talking_point, interaction, job_change, "
        "or the memory type of a tagged e-mail or meeting.",
    )


class PersonHit(BaseModel):
    contact_id: str
    name: str | None = Field(default=None, description="From the contact's card.")
    score: float
    matches: list[PersonMatch]


class PeopleSearchResponse(BaseModel):
    query: str
    items: list[PersonHit]
