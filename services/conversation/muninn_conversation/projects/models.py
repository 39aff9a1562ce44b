"""Projects: a user's workspaces grouping conversations, notes and files."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, field_validator, model_validator

from muninn_conversation.conversations.models import Conversation
from muninn_conversation.messages.models import AttachmentIn
from muninn_conversation.notes.models import NoteSummary
from muninn_conversation.tags.models import Color


def _visible_name(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ValueError("a project name needs at least one visible character")
    return cleaned


class ProjectCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    color: Color | None = None
    icon: str | None = Field(
        default=None, min_length=1, max_length=64, description="An emoji or an icon name."
    )
    instructions: str | None = Field(
        default=None,
        max_length=20000,
        description="System prompt for the project's conversations, added before their own.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return _visible_name(value)


class ProjectPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    color: Color | None = None
    icon: str | None = Field(default=None, min_length=1, max_length=64)
    instructions: str | None = Field(default=None, max_length=20000)
    is_archived: bool | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return _visible_name(value)

    @model_validator(mode="after")
    def _not_empty(self) -> ProjectPatch:
        require_change(self)
        refuse_null(self, "name", "is_archived")
        return self


class ProjectCounts(BaseModel):
    conversations: int = 0
    notes: int = 0
    files: int = Field(
        default=0, description="Files attached to the project and to messages in its conversations."
    )


class Project(BaseModel):
    id: str
    name: str
    description: str | None = None
    color: str | None = None
    icon: str | None = None
    instructions: str | None = None
    is_archived: bool = False
    created_at: datetime
    updated_at: datetime
    counts: ProjectCounts | None = Field(default=None, description="On single-project reads.")


class ProjectPage(CursorPage[Project]):
    pass


class ProjectFileIn(AttachmentIn):
    """Metadata of a file added to a project; the bytes live wherever ``storage_ref`` says."""


class ProjectFile(BaseModel):
    id: str
    filename: str
    mime_type: str
    size: int
    storage_ref: str | None = None
    source: Literal["project", "message"] = "project"
    conversation_id: str | None = Field(
        default=None, description="For files attached to a message."
    )
    message_id: str | None = None
    created_at: datetime


class ProjectContents(BaseModel):
    project: Project
    conversations: list[Conversation]
    notes: list[NoteSummary]
    files: list[ProjectFile]
