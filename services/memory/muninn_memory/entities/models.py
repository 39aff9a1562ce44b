"""Entities and relationships as the API shows them."""

from __future__ import annotations

from datetime import datetime

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field

from muninn_memory.entities.recognize import EntityType
from muninn_memory.memories.models import Memory


class Relationship(BaseModel):
    entity_id: str
    name: str
    type: EntityType
    relationship: str = Field(examples=["works at", "lives in", "mentioned with"])
    strength: int = Field(ge=1, le=10)
    mentions: int
    context: str | None = None
    last_seen_at: datetime


class Entity(BaseModel):
    id: str
    name: str
    type: EntityType
    aliases: list[str]
    role: str | None = Field(
        default=None,
        description="What the entity is to the user: 'dentist', 'sister', 'employer', 'home'…",
    )
    roles: list[str] = Field(default_factory=list)
    description: str | None = None
    primary_context: str
    contexts: list[str]
    mention_count: int
    first_mentioned_at: datetime
    last_mentioned_at: datetime
    importance: int = Field(ge=1, le=10)
    contact_ids: list[str] = Field(
        default_factory=list, description="The user's contacts that are this person."
    )
    created_at: datetime
    updated_at: datetime


class EntityPage(CursorPage[Entity]):
    pass


class EntityDetail(Entity):
    relationships: list[Relationship]
    memories: list[Memory]
