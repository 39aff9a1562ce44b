"""GDPR export archive and erasure progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ErasureState = Literal["in_progress", "completed"]


class ServiceErasure(BaseModel):
    status: Literal["pending", "completed"]
    deleted: dict[str, int] = Field(default_factory=dict)
    completed_at: datetime | None = None


class ErasureStatus(BaseModel):
    id: str
    status: ErasureState
    requested_at: datetime
    completed_at: datetime | None = None
    services: dict[str, ServiceErasure]
    status_url: str


class ExportArchive(BaseModel):
    format: Literal["muninn-export/1"] = "muninn-export/1"
    user_id: str
    exported_at: datetime
    services: dict[str, dict[str, list[dict[str, Any]]]] = Field(
        description="Per service, per collection, the user's documents (secrets removed)."
    )
