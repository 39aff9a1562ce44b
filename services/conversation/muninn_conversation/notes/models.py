"""Notes: markdown a user keeps, optionally in a project and taken from a message."""

from __future__ import annotations

from datetime import datetime

from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator

from muninn_conversation.tags.models import TagList

MAX_NOTE_LENGTH = 200_000


class NoteCreate(Strict):
    title: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Default: the first line of content.",
    )
    content: str | None = Field(
        default=None,
        max_length=MAX_NOTE_LENGTH,
        description="Markdown. Default: the content of message_id, when given.",
    )
    is_pinned: bool = False
    project_id: str | None = Field(default=None, min_length=1, max_length=64)
    tags: TagList = Field(default_factory=list)
    conversation_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The conversation it came from."
    )
    message_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The message it came from."
    )

    @model_validator(mode="after")
    def _source(self) -> NoteCreate:
        if self.message_id is not None and self.conversation_id is None:
            raise ValueError("message_id needs the conversation_id it belongs to")
        if self.content is None and self.message_id is None:
            raise ValueError("give content, or a message_id to take the content from")
        return self


class NotePatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    content: str | None = Field(default=None, max_length=MAX_NOTE_LENGTH)
    is_pinned: bool | None = None
    is_archived: bool | None = None
    project_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="null takes it out of its project."
    )
    tags: TagList | None = Field(default=None, description="Replaces the note's tags.")

    @model_validator(mode="after")
    def _not_empty(self) -> NotePatch:
        require_change(self)
        refuse_null(self, "title", "content", "is_pinned", "is_archived", "tags")
        return self


class SearchHit(BaseModel):
    """Why a note matched a search: its BM25 score and an excerpt around the first match."""

    score: float
    excerpt: str


class Note(BaseModel):
    id: str
    title: str
    content: str
    is_pinned: bool = False
    is_archived: bool = False
    project_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    conversation_id: str | None = None
    message_id: str | None = None
    created_at: datetime
    updated_at: datetime
    search: SearchHit | None = None


class NotePage(CursorPage[Note]):
    pass


class NoteSummary(BaseModel):
    """A note in a listing that should not carry whole documents (a project's contents)."""

    id: str
    title: str
    excerpt: str
    is_pinned: bool = False
    is_archived: bool = False
    tags: list[str] = Field(default_factory=list)
    updated_at: datetime
