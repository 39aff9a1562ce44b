"""Sync now, and the sync jobs of a user's connections: progress, cancel, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_integrations.connections.router import ConnectionId
from muninn_integrations.deps import Services
from muninn_integrations.sync.models import SyncJob, SyncJobPage, SyncRequest

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])

JobId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post(
    "/connections/{connection_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync now (the job already queued or running, if there is one)",
)
async def sync_now(
    connection_id: ConnectionId,
    principal: CurrentPrincipal,
    services: Services,
    response: Response,
    body: SyncRequest | None = None,
) -> SyncJob:
    job, new = await services.sync.request(
        principal.user_id, connection_id, full=body.full if body is not None else False
    )
    if not new:
        response.status_code = status.HTTP_200_OK
    return job


@router.get("/jobs", summary="Sync jobs, newest first")
async def list_jobs(
    principal: CurrentPrincipal,
    services: Services,
    connection_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> SyncJobPage:
    return await services.sync.page(
        principal.user_id, connection_id=connection_id, limit=limit, cursor=cursor
    )


@router.get("/jobs/{job_id}", summary="One sync job and its progress")
async def get_job(job_id: JobId, principal: CurrentPrincipal, services: Services) -> SyncJob:
    return await services.sync.get(principal.user_id, job_id)


@router.post("/jobs/{job_id}/cancel", summary="Cancel a queued sync, or stop a running one")
async def cancel_job(job_id: JobId, principal: CurrentPrincipal, services: Services) -> SyncJob:
    return await services.sync.cancel(principal.user_id, job_id)


@router.post(
    "/jobs/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a failed or cancelled sync again",
)
async def retry_job(job_id: JobId, principal: CurrentPrincipal, services: Services) -> SyncJob:
    return await services.sync.retry(principal.user_id, job_id)
