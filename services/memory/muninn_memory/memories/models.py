"""Memory records as the API shows them, and the shapes of management and search requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from muninn_shared.contracts.memory_search import MemorySearchQuery
from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field, model_validator

from muninn_memory.documents.models import Document, DocumentHit
from muninn_memory.relations.types import Direction, RelationType
from muninn_memory.summaries.models import Summary


class MemoryType(StrEnum):
    """The memory types a record may have; stored as their string values."""

    CONVERSATION = "conversation"
    TASK_COMPLETION = "task_completion"
    PREFERENCE_LEARNED = "preference_learned"
    CONTEXT_SWITCH = "context_switch"
    PERSONAL_INFO = "personal_info"
    EXPERIENCE_REVIEW = "experience_review"
    GOAL_SETTING = "goal_setting"
    RELATIONSHIP_INFO = "relationship_info"
    CALENDAR_EVENT = "calendar_event"  # a meeting or appointment synced from a calendar
    EMAIL = "email"  # a message synced from a mailbox


class MemoryStatus(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    DELETED = "deleted"


Sentiment = Literal["positive", "negative", "neutral"]
MemorySource = Literal["api", "conversation", "integration", "document"]
Role = Literal["user", "assistant", "system", "tool"]


class SourceMessageRef(BaseModel):
    """A message a memory came from, with the metadata it carried (speaker, channel…)."""

    message_id: str | None = None
    conversation_id: str | None = None
    role: Role = "user"
    speaker: str | None = None
    created_at: datetime
    excerpt: str = Field(description="The part of the message the memory rests on.")
    metadata: dict[str, Any] = Field(default_factory=dict)


class ExtractionInfo(BaseModel):
    extractor: str = Field(
        description="'rules-v1', 'llm:<model>', or 'none' for a message stored as is."
    )
    category: str | None = None
    slot: str | None = Field(
        default=None,
        description="What the fact is about ('residence', 'preference:sushi'); same-slot facts supersede.",
    )
    confidence: float = Field(default=1.0, ge=0, le=1)
    sentence: str | None = None


class DocumentSource(BaseModel):
    document_id: str
    chunk_id: str
    filename: str | None = None
    page: int | None = None
    heading: str | None = None


class Provenance(BaseModel):
    source: MemorySource | Literal["summary"] = Field(
        description="Where a memory came from; 'summary' only for a summary found by search."
    )
    job_id: str | None = None
    event_id: str | None = None
    message_ids: list[str] = Field(default_factory=list)
    messages: list[SourceMessageRef] = Field(default_factory=list)
    document: DocumentSource | None = Field(
        default=None, description="For a document chunk: where in which document it is."
    )
    extraction: ExtractionInfo


class EntityRef(BaseModel):
    id: str
    name: str
    type: str


class Memory(BaseModel):
    id: str
    content: str
    type: MemoryType
    context: str
    importance: int = Field(ge=1, le=10)
    sentiment: Sentiment = "neutral"
    entities: list[EntityRef] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    scope: dict[str, str] = Field(
        default_factory=dict,
        description="Identifiers an app chose inside this account (the mem0-compatible API's "
        "user_id, agent_id, app_id, run_id); facts reconcile only within the same scope.",
    )
    contact_id: str | None = Field(
        default=None, description="The contact this memory belongs to (a contact memory)."
    )
    contact_ids: list[str] = Field(
        default_factory=list, description="Every contact the memory is about."
    )
    status: MemoryStatus
    version: int = 1
    occurred_at: datetime = Field(
        description="When it was said or happened (the source message's time), not when it was ingested."
    )
    event_at: datetime | None = Field(
        default=None, description="The date the memory is about, e.g. a planned trip."
    )
    valid_from: datetime
    valid_to: datetime | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    outdated_by: str | None = Field(
        default=None,
        description="For a stored message: the memory that corrected a fact it stated; such messages stay in the record but leave search.",
    )
    expires_at: datetime | None = None
    reinforcements: int = Field(default=0, description="Times the same fact was stated again.")
    last_reinforced_at: datetime | None = None
    decay_factor: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="For preferences and interests: how much of the original importance is left "
        "since they were last mentioned.",
    )
    embedding_model: str | None = Field(
        default=None, description="Model whose vectors index this memory."
    )
    provenance: Provenance
    created_at: datetime
    updated_at: datetime


class MemoryPage(CursorPage[Memory]):
    pass


class MemoryPatch(BaseModel):
    """A user's edit; every change is kept in the memory's history."""

    content: str | None = Field(default=None, min_length=1, max_length=20_000)
    type: MemoryType | None = None
    context: str | None = Field(default=None, min_length=1, max_length=64)
    importance: int | None = Field(default=None, ge=1, le=10)
    sentiment: Sentiment | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    metadata: dict[str, Any] | None = None
    event_at: datetime | None = None
    expires_at: datetime | None = None
    reason: str | None = Field(
        default=None, max_length=500, description="Why the user changed it; kept in history."
    )

    @model_validator(mode="after")
    def _something(self) -> MemoryPatch:
        if not (self.model_fields_set - {"reason"}):
            raise ValueError("nothing to change")
        return self


class ImportanceRange(BaseModel):
    min: int | None = Field(default=None, ge=1, le=10)
    max: int | None = Field(default=None, ge=1, le=10)


class TimeRange(BaseModel):
    after: datetime | None = None
    before: datetime | None = None


class MemoryFilters(BaseModel):
    types: list[MemoryType] = Field(default_factory=list)
    context: str | None = None
    importance: ImportanceRange | None = None
    time: TimeRange | None = Field(default=None, description="On occurred_at.")
    entities: list[str] = Field(
        default_factory=list, description="Entity ids or names (aliases match)."
    )
    source: MemorySource | None = None
    tags: list[str] = Field(default_factory=list)
    tag_match: Literal["all", "any"] = Field(
        default="all", description="Keep memories with every listed tag (all) or any of them."
    )
    contact_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Memories about this contact.",
    )


SearchSource = Literal["memories", "documents", "summaries"]


def _all_sources() -> list[SearchSource]:
    return ["memories", "documents"]


class SearchRequest(MemorySearchQuery):
    """The shared search contract (query, limit) plus what memory's own API offers."""

    sources: list[SearchSource] = Field(
        default_factory=_all_sources,
        min_length=1,
        description="Search memories, uploaded documents, period summaries (week, month, "
        "quarter, year), or several; summaries only when listed. Memory-only filters (types, "
        "importance, entities, tags, source) leave documents and summaries out unless only "
        "they are asked for. A summary's time is its period's start.",
    )
    filters: MemoryFilters = Field(default_factory=MemoryFilters)
    token_budget: int | None = Field(
        default=None,
        ge=1,
        le=200_000,
        description="Stop adding results once their text would exceed this many tokens.",
    )
    expand_relations: bool = Field(
        default=False,
        description="After the ranked results, add memories related to the best of them "
        "(same fact's message, shared entities, the user's own relations), each with 'via'; "
        "at most as many as 'limit', within the filters and the token budget.",
    )


class RelationVia(BaseModel):
    memory_id: str = Field(description="The ranked result it is related to.")
    type: RelationType
    direction: Direction = Field(description="As seen from the ranked result.")
    strength: float = Field(ge=0, le=1)


class SearchResult(BaseModel):
    kind: Literal["memory", "document", "summary"] = "memory"
    score: float
    memory: Memory | None = Field(default=None, description="Set when kind is 'memory'.")
    document: DocumentHit | None = Field(
        default=None, description="Set when kind is 'document': the matching chunk."
    )
    summary: Summary | None = Field(
        default=None, description="Set when kind is 'summary': the matching period summary."
    )
    provenance: Provenance
    components: dict[str, float] = Field(
        default_factory=dict, description="Per-signal scores behind the fused score."
    )
    via: RelationVia | None = Field(
        default=None,
        description="Added by expand_relations, not ranked: how it relates to a ranked result "
        "(its score is that result's times the relation's strength).",
    )


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]
    token_count: int = Field(description="Estimated tokens of the returned memories' text.")
    embedding_model: str | None = None


class BulkDeleteRequest(BaseModel):
    filters: MemoryFilters = Field(default_factory=MemoryFilters)
    status: Literal["active", "superseded", "any"] = "active"
    all: bool = Field(default=False, description="Required to delete without any filter.")
    dry_run: bool = False


class BulkDeleteResult(BaseModel):
    matched: int
    deleted: int
    dry_run: bool


class MemoryExport(BaseModel):
    user_id: str
    exported_at: datetime
    memories: list[Memory]
    history: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    documents: list[Document] = Field(default_factory=list)
    summaries: list[Summary] = Field(default_factory=list)
    entity_changes: list[dict[str, Any]] = Field(
        default_factory=list, description="The user's corrections of entities."
    )
    relations: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Relations between memories the user made, and inferred ones removed.",
    )
