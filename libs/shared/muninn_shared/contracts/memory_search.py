"""Memory's ``POST /v1/memories/search`` as conversation's recall reads it.

The request is the part of memory's search request any service may send; memory's own request
model extends it. The results describe only the fields a consuming service relies on: memory's
response carries more (provenance, score components, the whole memory record), which consumers
ignore. Timestamps stay the ISO 8601 text memory sent, as they are quoted to the model as is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class MemorySearchQuery(BaseModel):
    query: str = Field(min_length=1, max_length=4000)
    limit: int = Field(default=10, ge=1, le=100)


class FoundMemory(BaseModel):
    id: str
    content: str = ""
    type: str | None = None
    occurred_at: str | None = Field(
        default=None, description="When it was said or happened (ISO 8601)."
    )
    created_at: str | None = Field(default=None, description="When it was stored (ISO 8601).")


class FoundDocumentChunk(BaseModel):
    chunk_id: str
    content: str = ""
    title: str | None = None


class MemorySearchHit(BaseModel):
    kind: Literal["memory", "document"] = "memory"
    score: float = 0.0
    memory: FoundMemory | None = None
    document: FoundDocumentChunk | None = None


class MemorySearchResults(BaseModel):
    results: list[MemorySearchHit] = Field(default_factory=list)
