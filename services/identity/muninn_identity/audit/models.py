"""The user's audit log: security and privacy events (sign-ins, key changes, exports,
erasure) recorded here, and changes to their contacts, interactions and connections recorded
by integrations (``integrations.audit.recorded``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field

# ``kind`` of the stored entries integrations recorded; security entries carry none.
CHANGE = "change"


class AuditActor(BaseModel):
    kind: str = Field(description="user (through the API), sync (a connected account) or system")
    id: str | None = Field(default=None, description="The user's id when the user acted")


class AuditEntry(BaseModel):
    id: str
    action: str
    resource_type: str
    resource_id: str | None = None
    old_values: dict[str, Any] | None = Field(
        default=None, description="A change's changed fields before (none for a creation)"
    )
    new_values: dict[str, Any] | None = Field(
        default=None, description="A change's changed fields after (none for a deletion)"
    )
    actor: AuditActor | None = Field(
        default=None, description="Who made a change; absent on security events"
    )
    ip_address: str | None = None
    user_agent: str | None = None
    api_endpoint: str | None = Field(default=None, description="Method and path, no query")
    details: dict[str, Any] | None = None
    created_at: datetime


class AuditPage(CursorPage[AuditEntry]):
    pass


@dataclass(frozen=True)
class AuditFilter:
    """Narrows a page to one kind of resource, one resource, or one action."""

    resource_type: str | None = None
    resource_id: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class RequestInfo:
    """Where a security-relevant request came from."""

    ip_address: str | None = None
    user_agent: str | None = None
    api_endpoint: str | None = None
