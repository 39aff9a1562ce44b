"""Messages with generation status, branching, tool calls, sources and attachments (seeds 000, 004)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from muninn_shared.strict import Strict
from pydantic import BaseModel, ConfigDict, Field


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class GenerationStatus(StrEnum):
    PENDING = "pending"
    GENERATING = "generating"
    COMPLETE = "complete"
    ERROR = "error"
    STOPPED = "stopped"


FINISHED = frozenset({GenerationStatus.COMPLETE, GenerationStatus.ERROR, GenerationStatus.STOPPED})


class AttachmentIn(Strict):
    filename: str = Field(min_length=1, max_length=255)
    mime_type: str = Field(min_length=3, max_length=127, pattern=r"^[\w.+-]+/[\w.+-]+$")
    size: int = Field(ge=0, le=1 << 34)
    storage_ref: str | None = Field(
        default=None, max_length=1024, description="Where the bytes live (object key, URL)."
    )


class Attachment(AttachmentIn):
    id: str


class ToolCall(BaseModel):
    id: str
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    result: Any | None = None
    status: Literal["pending", "complete", "error"] = "pending"
    error: str | None = None
    created_at: datetime


class Source(BaseModel):
    """Something the reply drew on: a recalled memory, a document chunk or a web page."""

    kind: Literal["memory", "document", "web"] = "memory"
    ref_id: str | None = None
    title: str | None = None
    url: str | None = None
    snippet: str | None = None
    score: float | None = None


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None
    estimated: bool = False


class Timing(BaseModel):
    generation_started_at: datetime | None = None
    first_token_ms: int | None = None
    completed_at: datetime | None = None
    duration_ms: int | None = None


class MessageMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    input_method: Literal["text", "voice", "proactive", "api"] = "text"
    proactive_type: str | None = None
    memory_status: Literal["used", "none", "unavailable", "disabled"] | None = None
    regenerated: bool = False


class MessageIn(Strict):
    content: str = Field(min_length=1, max_length=100_000)
    parent_id: str | None = Field(
        default=None,
        max_length=64,
        description="Reply under this message; default: the active branch's last message.",
    )
    advisor_id: str | None = Field(default=None, max_length=64)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    input_method: Literal["text", "voice", "api"] = "text"


class MessageEdit(Strict):
    content: str = Field(min_length=1, max_length=100_000)


class Rating(Strict):
    rating: int = Field(ge=1, le=5)


class Message(BaseModel):
    id: str
    conversation_id: str
    author_id: str | None
    role: MessageRole
    content: str
    status: GenerationStatus
    error: str | None = None
    provider: str | None = None
    model: str | None = None
    advisor_id: str | None = None
    parent_id: str | None = None
    branch_index: int = 0
    usage: Usage | None = None
    timing: Timing | None = None
    metadata: MessageMetadata = Field(default_factory=MessageMetadata)
    sources: list[Source] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    rating: int | None = None
    is_edited: bool = False
    is_deleted: bool = False
    created_at: datetime
    updated_at: datetime


class BranchInfo(BaseModel):
    """Where a message sits among its siblings (same parent)."""

    sibling_ids: list[str]
    index: int


class Thread(BaseModel):
    """The active path from the first message to the active leaf, with branch choices."""

    items: list[Message]
    branches: dict[str, BranchInfo]
    active_leaf_id: str | None


class Exchange(BaseModel):
    """What posting a message produced: the user's message and the assistant's reply."""

    user_message: Message | None
    assistant_message: Message
