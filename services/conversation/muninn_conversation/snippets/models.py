"""Snippets: reusable prompts and code a user keeps at hand."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, BeforeValidator, Field, model_validator

from muninn_conversation.notes.models import SearchHit
from muninn_conversation.tags.models import TagList

Language = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value),
    Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9+#._ -]*$"),
]


class SnippetCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=100_000)
    language: Language | None = Field(
        default=None, description="'prompt' for a reusable prompt, or a programming language."
    )
    tags: TagList = Field(default_factory=list)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=64)
    message_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The message it was taken from."
    )

    @model_validator(mode="after")
    def _source(self) -> SnippetCreate:
        if (self.message_id is None) != (self.conversation_id is None):
            raise ValueError("give both conversation_id and message_id, or neither")
        return self


class SnippetPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    content: str | None = Field(default=None, min_length=1, max_length=100_000)
    language: Language | None = None
    tags: TagList | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SnippetPatch:
        require_change(self)
        refuse_null(self, "title", "content", "tags")
        return self


class Snippet(BaseModel):
    id: str
    title: str
    content: str
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    conversation_id: str | None = None
    message_id: str | None = None
    created_at: datetime
    updated_at: datetime
    search: SearchHit | None = None


class SnippetPage(CursorPage[Snippet]):
    pass
