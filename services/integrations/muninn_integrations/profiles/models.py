"""A contact with what Muninn knows around it, in one answer."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from muninn_integrations.briefings.models import ContactMemoryOut
from muninn_integrations.contacts.models import ContactRecord
from muninn_integrations.graph.models import Relationship
from muninn_integrations.interactions.models import InteractionRecord
from muninn_integrations.interests.models import ContactInterest

PROFILE_ITEMS = 10  # of each part; the part's own endpoint pages through the rest


class ProfilePart(StrEnum):
    INTERACTIONS = "interactions"
    INTERESTS = "interests"
    RELATIONSHIPS = "relationships"
    MEMORIES = "memories"


class ContactProfile(ContactRecord):
    interactions: list[InteractionRecord] | None = Field(
        default=None, description="The latest interactions, newest first (include=interactions)"
    )
    interests: list[ContactInterest] | None = Field(
        default=None, description="The strongest interests (include=interests)"
    )
    relationships: list[Relationship] | None = Field(
        default=None, description="The strongest links to other contacts (include=relationships)"
    )
    memories: list[ContactMemoryOut] | None = Field(
        default=None, description="Current contact memories, newest first (include=memories)"
    )
