"""A memory's history as the API shows it: where it came from and every change since."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from muninn_memory.memories.models import ExtractionInfo, Memory, SourceMessageRef

Operation = Literal[
    "created", "superseded", "updated", "deleted", "edited", "restored", "reinforced", "expired"
]
Actor = Literal["extraction", "user", "system"]


class HistoryEntry(BaseModel):
    id: str
    memory_id: str
    at: datetime
    operation: Operation
    actor: Actor
    reason: str | None = None
    before: dict[str, Any] | None = Field(
        default=None, description="Changed fields before the change."
    )
    after: dict[str, Any] | None = Field(
        default=None, description="Changed fields after the change."
    )
    related_memory_id: str | None = Field(
        default=None,
        description="The memory that superseded this one, or that this one superseded.",
    )
    job_id: str | None = None
    source_messages: list[SourceMessageRef] = Field(default_factory=list)


class MemoryHistory(BaseModel):
    memory: Memory
    source_messages: list[SourceMessageRef] = Field(description="The messages the memory rests on.")
    extraction: ExtractionInfo
    versions: list[Memory] = Field(
        description="Every version of this fact, oldest first (superseded ones included)."
    )
    changes: list[HistoryEntry] = Field(description="Every change to any version, oldest first.")
