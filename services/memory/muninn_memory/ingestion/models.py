"""What clients send to ``POST /v1/memories`` and what a job reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from muninn_memory.memories.models import Memory, MemoryType, Role, Sentiment

JOBS = "ingestion_jobs"
"""The collection of the ingestion queue, and the name erasure reports its count under."""


class MessageIn(BaseModel):
    role: Role = "user"
    content: str = Field(min_length=1, max_length=20_000)
    created_at: datetime | None = Field(
        default=None,
        description="When it was said; honoured as the memory's time. Defaults to now.",
    )
    message_id: str | None = Field(
        default=None, max_length=200, description="Your id for the message; lands in provenance."
    )
    conversation_id: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="E.g. speaker, channel; kept in provenance."
    )


class MemoryCreate(BaseModel):
    """Either one memory (``content``…) or ``messages`` to remember and, with ``infer``, learn from."""

    content: str | None = Field(default=None, min_length=1, max_length=20_000)
    type: MemoryType | None = None
    context: str | None = Field(default=None, min_length=1, max_length=64)
    importance: int | None = Field(default=None, ge=1, le=10)
    sentiment: Sentiment | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    metadata: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime | None = None
    event_at: datetime | None = None
    expires_at: datetime | None = None
    messages: list[MessageIn] | None = Field(default=None, min_length=1)
    infer: bool = Field(
        default=True,
        description="Also extract facts (messages only); false stores each message as an episodic memory.",
    )
    wait: bool = Field(
        default=False, description="Answer once the memories are stored instead of at once."
    )

    @model_validator(mode="after")
    def _one_shape(self) -> MemoryCreate:
        if (self.content is None) == (self.messages is None):
            raise ValueError("send either 'content' or 'messages'")
        return self


class JobStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class JobOperation(BaseModel):
    op: Literal["add", "update", "historical", "delete", "noop"]
    memory_id: str | None = None
    target_id: str | None = Field(
        default=None, description="The existing memory an update, delete or no-op concerns."
    )
    content: str | None = None
    type: str | None = None
    reason: str | None = None


class JobResult(BaseModel):
    operations: list[JobOperation] = Field(default_factory=list)
    extractor: str | None = None
    notes: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


class Job(BaseModel):
    id: str
    status: JobStatus
    kind: Literal["memory", "messages"]
    source: str
    infer: bool
    message_count: int
    attempts: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    result: JobResult | None = None
    error: str | None = None
    status_url: str
    memories: list[Memory] | None = Field(
        default=None, description="With wait=true: the memories the job added or changed."
    )
