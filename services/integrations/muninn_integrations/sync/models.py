"""Sync jobs: one pass over a connection's source, with progress a user can watch."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field


class JobKind(StrEnum):
    FULL = "full_sync"  # everything the source holds; records it no longer has are removed
    INCREMENTAL = "incremental_sync"  # the changes since the last saved cursor


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (JobStatus.PENDING.value, JobStatus.RUNNING.value)


class SyncJob(BaseModel):
    id: str
    connection_id: str
    job_type: JobKind
    status: JobStatus
    progress_percentage: int = 0
    items_processed: int = 0
    items_total: int | None = None
    records_changed: int = 0
    attempts: int = 0
    error_message: str | None = None
    cancel_requested: bool = False
    trigger: str = Field(
        description="manual, schedule, push (the server told of a change) or retry"
    )
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    not_before: datetime | None = None


class SyncJobPage(CursorPage[SyncJob]):
    pass


class SyncRequest(BaseModel):
    full: bool = Field(default=False, description="Fetch everything again, not only changes")
