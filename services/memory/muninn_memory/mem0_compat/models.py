"""The payloads of mem0's hosted API, as its official client (``mem0ai``'s MemoryClient) sends
and parses them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ENTITY_FIELDS = ("user_id", "agent_id", "app_id", "run_id")
"""mem0's identifiers: chosen by the app, they scope memories inside one Muninn account."""

DEFAULT_PROJECT = "default"
MAX_TOP_K = 100
MAX_PAGE_SIZE = 100
MAX_OFFSET = 10_000

EntityId = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class Mem0Model(BaseModel):
    """mem0's clients send options Muninn has no use for (custom categories, instructions,
    graph and rerank switches): they are accepted and ignored, as README lists."""

    model_config = ConfigDict(extra="ignore")


class Mem0Message(Mem0Model):
    role: Literal["user", "assistant", "system"] = "user"
    content: str = Field(min_length=1, max_length=20_000)


class Mem0AddRequest(Mem0Model):
    messages: list[Mem0Message] = Field(min_length=1, max_length=100)
    filters: dict[str, EntityId] | None = Field(
        default=None,
        description="The identifiers the memories belong to (client 2.x sends them here).",
    )
    user_id: EntityId | None = None
    agent_id: EntityId | None = None
    app_id: EntityId | None = None
    run_id: EntityId | None = None
    metadata: dict[str, Any] | None = None
    infer: bool = True
    timestamp: int | None = Field(
        default=None, ge=0, le=253_402_300_799, description="When the messages were said (Unix)."
    )
    expiration_date: date | None = None


class Mem0SearchRequest(Mem0Model):
    query: str = Field(min_length=1, max_length=4_000)
    filters: dict[str, Any] = Field(default_factory=dict)
    top_k: int = Field(default=10, ge=1, le=MAX_TOP_K)
    threshold: float | None = Field(default=None, ge=0, le=1)


class Mem0ListRequest(Mem0Model):
    filters: dict[str, Any] = Field(default_factory=dict)


class Mem0UpdateRequest(Mem0Model):
    text: str | None = Field(default=None, min_length=1, max_length=20_000)
    metadata: dict[str, Any] | None = None
    expiration_date: date | None = None


class Mem0Memory(BaseModel):
    id: str
    memory: str
    user_id: str | None = None
    agent_id: str | None = None
    app_id: str | None = None
    run_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    categories: list[str] = Field(
        default_factory=list, description="Muninn's memory type (personal_info, conversation…)."
    )
    immutable: bool = False
    expiration_date: date | None = None
    created_at: datetime
    updated_at: datetime


class Mem0SearchHit(Mem0Memory):
    score: float


class Mem0SearchResponse(BaseModel):
    results: list[Mem0SearchHit]


class Mem0MemoryEvent(BaseModel):
    id: str
    event: Literal["ADD", "UPDATE", "DELETE"]
    memory: str | None = None
    data: dict[str, str] = Field(default_factory=dict)


class Mem0AddResponse(BaseModel):
    message: str
    status: Literal["SUCCEEDED", "PENDING", "FAILED"]
    event_id: str = Field(description="The Muninn ingestion job (GET /v1/memories/jobs/{id}).")
    results: list[Mem0MemoryEvent]


class Mem0MemoryListPage(BaseModel):
    count: int
    next: str | None = None
    previous: str | None = None
    results: list[Mem0Memory]


class Mem0HistoryItem(BaseModel):
    id: str
    memory_id: str
    input: list[dict[str, str]] = Field(default_factory=list)
    old_memory: str | None = None
    new_memory: str | None = None
    user_id: str | None = None
    event: Literal["ADD", "UPDATE", "DELETE"]
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class Mem0Notice(BaseModel):
    message: str


class Mem0Ping(BaseModel):
    status: Literal["ok"] = "ok"
    org_id: str = Field(description="The signed-in account.")
    project_id: str
    user_email: str | None = None
