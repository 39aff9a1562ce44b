"""Audit entries (the AIR spec's ``audit_logs``): what changed, by whom, from where."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    MERGE = "merge"
    CONNECT = "connect"
    DISCONNECT = "disconnect"


class ResourceType(StrEnum):
    CONTACT = "contact"
    INTERACTION = "interaction"
    INTEGRATION = "integration"
    RELATIONSHIP = "relationship"
    INTEREST = "interest"


class ActorKind(StrEnum):
    USER = "user"  # through the API, as the signed-in user
    SYNC = "sync"  # a change synced from a connected account
    SYSTEM = "system"  # Muninn itself: a conversation mention, a sweep, an expired credential


class Actor(BaseModel):
    kind: ActorKind
    id: str | None = Field(default=None, description="The user's id when the user acted")


class AuditEntry(BaseModel):
    id: str
    action: AuditAction
    resource_type: ResourceType
    resource_id: str
    old_values: dict[str, Any] | None = Field(
        default=None, description="The changed fields before (none for a creation)"
    )
    new_values: dict[str, Any] | None = Field(
        default=None, description="The changed fields after (none for a deletion)"
    )
    actor: Actor
    ip_address: str | None = None
    user_agent: str | None = None
    api_endpoint: str | None = Field(default=None, description="Method and path, no query")
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = None
