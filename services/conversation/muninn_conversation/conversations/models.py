"""Conversations and their participants (seeds 000, 002 and 004)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from muninn_shared.contexts import Context
from muninn_shared.pagination import CursorPage
from muninn_shared.patches import require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator


class Role(StrEnum):
    OWNER = "owner"
    COLLABORATOR = "collaborator"
    VIEWER = "viewer"


class GenerationSettings(Strict):
    """Per-conversation generation settings; unset fields fall back to preferences, then defaults."""

    provider: str | None = Field(default=None, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    model: str | None = Field(default=None, max_length=120)
    system_prompt: str | None = Field(default=None, max_length=20000)
    temperature: float | None = Field(default=None, ge=0, le=2)


class ConversationCreate(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    context: Context = Context.PERSONAL
    project_id: str | None = Field(default=None, max_length=64)
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    advisor_ids: list[str] = Field(default_factory=list, max_length=12)


class ConversationPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    context: Context | None = None
    is_archived: bool | None = None
    is_pinned: bool | None = None
    project_id: str | None = Field(default=None, max_length=64)
    settings: GenerationSettings | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ConversationPatch:
        require_change(self)
        return self


class ParticipantStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


class Participant(BaseModel):
    user_id: str
    role: Role
    status: ParticipantStatus = ParticipantStatus.ACTIVE
    joined_at: datetime | None = Field(default=None, description="When they accepted.")
    invited_by: str | None = None
    invited_at: datetime | None = None


class ParticipantAdd(Strict):
    user_id: str = Field(min_length=1, max_length=64)
    role: Role = Role.COLLABORATOR

    @model_validator(mode="after")
    def _not_owner(self) -> ParticipantAdd:
        if self.role == Role.OWNER:
            raise ValueError("a conversation has exactly one owner; add collaborators or viewers")
        return self


class ParticipantRoleChange(Strict):
    role: Role

    @model_validator(mode="after")
    def _not_owner(self) -> ParticipantRoleChange:
        if self.role == Role.OWNER:
            raise ValueError("a conversation has exactly one owner")
        return self


class Invitation(BaseModel):
    """An invitation to a conversation, waiting for the invitee to accept or decline."""

    conversation_id: str
    title: str | None
    owner_id: str
    role: Role
    invited_by: str
    invited_at: datetime | None


class Conversation(BaseModel):
    id: str
    owner_id: str
    title: str | None
    title_generated: bool = False
    context: Context
    project_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    settings: GenerationSettings
    advisor_ids: list[str] = Field(default_factory=list)
    is_archived: bool = False
    is_pinned: bool = False
    message_count: int = 0
    last_message_at: datetime | None = None
    last_message_preview: str | None = None
    active_leaf_id: str | None = None
    created_at: datetime
    updated_at: datetime
    my_role: Role = Role.OWNER


class ConversationPage(CursorPage[Conversation]):
    pass
