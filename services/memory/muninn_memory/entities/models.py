"""Entities and relationships as the API shows them, and the user's corrections of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field, StringConstraints, model_validator

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


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RoleName = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50)
]
Reason = Annotated[str, StringConstraints(max_length=500)]


class EntityPreference(BaseModel):
    """What the user thinks of the entity (seed: entity preferences)."""

    preference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ]
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    confidence: float = Field(default=1.0, ge=0, le=1)
    evidence: list[Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=list,
        max_length=20,
        description="What supports it: memory ids or the user's own words.",
    )


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
    preferences: list[EntityPreference] = Field(default_factory=list)
    corrected: bool = Field(
        default=False,
        description="The user corrected it (see its history); recognition then keeps its name.",
    )
    created_at: datetime
    updated_at: datetime


class EntityPage(CursorPage[Entity]):
    pass


class EntityDetail(Entity):
    relationships: list[Relationship]
    memories: list[Memory]


class EntityPatch(BaseModel):
    """A user's correction of an entity; lists replace what the entity had."""

    name: Name | None = Field(
        default=None,
        description="The new name; the old one stays an alias unless 'aliases' is given too.",
    )
    type: EntityType | None = None
    aliases: list[Name] | None = Field(
        default=None,
        max_length=50,
        description="Every other name it goes by. A name left out is no longer recognised as it.",
    )
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    roles: list[RoleName] | None = Field(
        default=None, max_length=20, description="What it is to the user: 'dentist', 'sister'…"
    )
    preferences: list[EntityPreference] | None = Field(default=None, max_length=50)
    reason: Reason | None = Field(default=None, description="Kept in the entity's history.")

    @model_validator(mode="after")
    def _something(self) -> EntityPatch:
        if not (self.model_fields_set - {"reason"}):
            raise ValueError("nothing to change")
        for field in ("name", "type", "aliases", "roles", "preferences"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class EntityMerge(BaseModel):
    into: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="The entity that stays: it takes this one's names, memories and links."
    )
    reason: Reason | None = None


class EntitySplit(BaseModel):
    name: Name = Field(description="The name of the entity split off.")
    type: EntityType | None = Field(default=None, description="Default: the original's type.")
    aliases: list[Name] = Field(
        default_factory=list,
        max_length=50,
        description="Names that go with the new entity (taken from the original's aliases).",
    )
    roles: list[RoleName] = Field(default_factory=list, max_length=20)
    memory_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1,
        max_length=1000,
        description="The original's memories that are about the new entity; they move to it.",
    )
    reason: Reason | None = None


EntityOperation = Literal["edited", "merged", "absorbed", "split", "created", "deleted"]


class EntityChange(BaseModel):
    id: str
    entity_id: str
    at: datetime
    operation: EntityOperation = Field(
        description="edited; merged (into related_entity_id); absorbed (related_entity_id "
        "merged into it); split (related_entity_id split off it); created (split off "
        "related_entity_id); deleted."
    )
    actor: Literal["user"] = "user"
    reason: str | None = None
    before: dict[str, Any] | None = Field(default=None, description="Changed fields before.")
    after: dict[str, Any] | None = Field(default=None, description="Changed fields after.")
    related_entity_id: str | None = None
    memory_ids: list[str] = Field(
        default_factory=list, description="Memories whose link to it the change moved or removed."
    )


class EntityHistory(BaseModel):
    entity_id: str
    entity: Entity | None = Field(
        description="The entity as it is now; None once merged or deleted."
    )
    merged_into: str | None = Field(default=None, description="Where it went, when merged.")
    deleted: bool = False
    changes: list[EntityChange] = Field(description="Every correction, oldest first.")
