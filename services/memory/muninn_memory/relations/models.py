"""Typed relations between two memories of a user, as the API shows them (seed 001's
``memory_relations``: memory, related memory, relation type, strength, created_at)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from muninn_memory.memories.models import Memory, MemoryStatus, MemoryType
from muninn_memory.relations.types import (
    TYPES_DESCRIPTION,
    Direction,
    RelationSource,
    RelationType,
)


class RelatedMemory(BaseModel):
    """The other memory of a relation, in brief (``GET /v1/memories/{id}`` has the rest)."""

    id: str
    content: str
    type: MemoryType
    status: MemoryStatus
    occurred_at: datetime


class MemoryRelation(BaseModel):
    id: str = Field(description="Stable also for an inferred relation (to delete it).")
    type: RelationType = Field(description=TYPES_DESCRIPTION)
    direction: Direction = Field(
        description="outgoing: this memory <type> the related one (this one updates it); "
        "incoming: the related one <type> this one; mutual: either way."
    )
    related_memory_id: str
    related: RelatedMemory
    strength: float = Field(ge=0, le=1)
    source: RelationSource = Field(
        description="inferred: what memory already knew (a correction, the same message, "
        "shared entities); user: made by the user."
    )
    reason: str | None = Field(default=None, description="Why they are related (the evidence).")
    created_at: datetime


class MemoryRelations(BaseModel):
    memory_id: str
    items: list[MemoryRelation] = Field(description="Strongest first.")


class MemoryDetail(Memory):
    relations: list[MemoryRelation] = Field(
        default_factory=list,
        description="Its strongest relations (at most 20; GET …/relations lists more).",
    )


class RelationCreate(BaseModel):
    related_memory_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    type: RelationType = Field(default="related", description=TYPES_DESCRIPTION)
    strength: float = Field(default=1.0, ge=0, le=1)
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None
