"""Security and privacy events a user can review: sign-ins, key changes, exports, erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntry(BaseModel):
    id: str
    action: str
    resource_type: str
    resource_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    api_endpoint: str | None = None
    details: dict[str, Any] | None = None
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = None


@dataclass(frozen=True)
class RequestInfo:
    """Where a security-relevant request came from."""

    ip_address: str | None = None
    user_agent: str | None = None
    api_endpoint: str | None = None
