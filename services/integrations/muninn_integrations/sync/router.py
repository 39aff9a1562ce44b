"""Sync now, and the sync jobs of a user's connections: progress, cancel, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_integrations.deps import ID_PATTERN, CurrentCaller, PathId
from muninn_integrations.sync.models import SyncJob, SyncJobPage, SyncRequest

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])


@router.post(
    "/connections/{connection_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync now (the job already queued or running, if there is one)",
)
async def sync_now(
    connection_id: PathId,
    caller: CurrentCaller,
    response: Response,
    body: SyncRequest | None = None,
) -> SyncJob:
    job, new = await caller.services.sync.request(
        caller.user_id, connection_id, full=body.full if body is not None else False
    )
    if not new:
        response.status_code = status.HTTP_200_OK
    return job


@router.get("/jobs", summary="Sync jobs, newest first")
async def list_jobs(
    caller: CurrentCaller,
    connection_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> SyncJobPage:
    return await caller.services.sync.page(
        caller.user_id, connection_id=connection_id, limit=limit, cursor=cursor
    )


@router.get("/jobs/{job_id}", summary="One sync job and its progress")
async def get_job(job_id: PathId, caller: CurrentCaller) -> SyncJob:
    return await caller.services.sync.get(caller.user_id, job_id)


@router.post("/jobs/{job_id}/cancel", summary="Cancel a queued sync, or stop a running one")
async def cancel_job(job_id: PathId, caller: CurrentCaller) -> SyncJob:
    return await caller.services.sync.cancel(caller.user_id, job_id)


@router.post(
    "/jobs/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a failed or cancelled sync again",
)
async def retry_job(job_id: PathId, caller: CurrentCaller) -> SyncJob:
    return await caller.services.sync.retry(caller.user_id, job_id)
