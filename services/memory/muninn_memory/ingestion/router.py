"""POST /v1/memories (202 + job, or wait=true) and the job status endpoints."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.deps import Services
from muninn_memory.ingestion.models import Job, JobStatus, MemoryCreate
from muninn_memory.ingestion.service import job_from_doc
from muninn_memory.memories.models import MemoryStatus

router = APIRouter(prefix="/v1/memories", tags=["memories"])

RETRY_AFTER_SECONDS = 2
"""When to look at a job that is not finished yet (its status URL is in ``Location``)."""


async def _job_with_memories(services: Services, user_id: str, doc: dict[str, object]) -> Job:
    job = job_from_doc(doc)  # type: ignore[arg-type]
    if job.status != JobStatus.DONE or job.result is None:
        return job
    ids = [op.memory_id for op in job.result.operations if op.memory_id]
    docs = await services.memory_store.many(user_id, ids)
    order = {memory_id: position for position, memory_id in enumerate(ids)}
    docs = [d for d in docs if d["status"] != MemoryStatus.DELETED.value]
    docs.sort(key=lambda d: order[d["_id"]])
    job.memories = await services.memories.hydrate(user_id, docs)
    return job


@router.post(
    "",
    status_code=202,
    response_model=Job,
    summary="Remember a memory or messages (202 with a job at once; wait=true answers when stored)",
    description="The job is queued and answered at once (202, its status URL in `Location`, "
    "`Retry-After` saying when to look). With `wait=true` the answer comes once its memories "
    "are searchable (200), or, when MUNINN_INGESTION_WAIT_TIMEOUT_SECONDS (30 s) have passed "
    "first, as a 202 like the one without waiting: the write is stored and will be done, "
    "never an error.",
    responses={
        200: {
            "model": Job,
            "description": "wait=true: the job finished; its memories are included.",
        }
    },
)
async def create_memories(
    body: MemoryCreate,
    principal: CurrentPrincipal,
    services: Services,
    wait: Annotated[bool | None, Query(description="Same as the body's 'wait'.")] = None,
) -> JSONResponse:
    started = time.monotonic()
    doc = await services.ingestion.submit(principal.user_id, body)
    pending = {"Location": f"/v1/memories/jobs/{doc['_id']}"}
    pending["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if wait or (wait is None and body.wait):
        # The bound covers the whole request, so a slow submission leaves less to wait.
        doc = await services.ingestion.wait(doc, since=started)
        job = await _job_with_memories(services, principal.user_id, doc)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return JSONResponse(job.model_dump(mode="json"), status_code=200)
        return JSONResponse(job.model_dump(mode="json"), status_code=202, headers=pending)
    return JSONResponse(job_from_doc(doc).model_dump(mode="json"), status_code=202, headers=pending)


@router.get("/jobs/{job_id}", summary="An ingestion job's status and outcome")
async def get_job(job_id: str, principal: CurrentPrincipal, services: Services) -> Job:
    return await _job_with_memories(
        services, principal.user_id, await services.ingestion.get(principal.user_id, job_id)
    )


@router.post("/jobs/{job_id}/retry", status_code=202, summary="Queue a failed job again")
async def retry_job(job_id: str, principal: CurrentPrincipal, services: Services) -> Job:
    return job_from_doc(await services.ingestion.retry(principal.user_id, job_id))
