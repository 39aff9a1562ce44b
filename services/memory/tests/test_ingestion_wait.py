"""A waiting write is answered within its bound whatever the database does."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from muninn_memory.ingestion.service import IngestionService
from muninn_memory.ingestion.store import JobStore
from muninn_memory.ingestion.worker import IngestionWorkers
from muninn_memory.memories.ledger import MemoryLedger
from pymongo.errors import NetworkTimeout

Doc = dict[str, Any]
SUBMITTED: Doc = {"_id": "job-1", "user_id": "ada", "status": "queued"}


class Finished:
    def __init__(self, *, running: bool = False) -> None:
        self.events: dict[str, asyncio.Event] = {}
        self.running_here = running

    def running(self, job_id: str) -> bool:
        return self.running_here

    def finished_event(self, job_id: str) -> asyncio.Event:
        return self.events.setdefault(job_id, asyncio.Event())

    def forget(self, job_id: str) -> None:
        self.events.pop(job_id, None)


class Jobs:
    """A job store whose reads answer ``status`` or, with ``stall``, run into the deadline."""

    def __init__(self, status: str = "queued", *, stall: bool = False) -> None:
        self.status, self.stall, self.reads = status, stall, 0

    async def get(self, job_id: str, user_id: str) -> Doc:
        self.reads += 1
        if self.stall:
            raise NetworkTimeout("timed out")  # what PyMongo raises at its own deadline
        return {**SUBMITTED, "status": self.status}


class NothingPending:
    async def pending_for_job(self, user_id: str, job_id: str) -> int:
        return 0


def service(jobs: Jobs, workers: Finished, wait_timeout: float = 0.3) -> IngestionService:
    return IngestionService(
        cast(JobStore, jobs),
        cast(IngestionWorkers, workers),
        cast(MemoryLedger, NothingPending()),
        max_backlog=10,
        max_messages=10,
        wait_timeout=wait_timeout,
        ingest_assistant_messages=False,
    )


async def test_a_database_slower_than_the_bound_answers_the_job_as_submitted() -> None:
    jobs, workers = Jobs(stall=True), Finished()
    found = await service(jobs, workers).wait(SUBMITTED)
    assert found == SUBMITTED
    assert jobs.reads == 1
    assert workers.events == {}  # forgotten


async def test_a_job_still_queued_at_the_bound_is_answered_as_it_stands() -> None:
    jobs = Jobs("queued")
    found = await service(jobs, Finished()).wait(SUBMITTED)
    assert found["status"] == "queued"
    assert jobs.reads >= 1


async def test_the_bound_counts_from_when_the_request_began() -> None:
    jobs = Jobs("queued")
    spent = time.monotonic() - 10  # the submission alone took longer than the bound
    found = await service(jobs, Finished(), wait_timeout=5).wait(SUBMITTED, since=spent)
    assert found == SUBMITTED
    assert jobs.reads == 0


async def test_a_done_job_is_answered_at_once() -> None:
    found = await service(Jobs("done"), Finished(), wait_timeout=30).wait(SUBMITTED)
    assert found["status"] == "done"


async def test_a_job_running_here_is_not_read_again_until_it_ends() -> None:
    """Its end wakes the wait: reading the job while it runs here only loads the database."""
    jobs, workers = Jobs("processing"), Finished(running=True)
    waiting = asyncio.create_task(service(jobs, workers, wait_timeout=30).wait(SUBMITTED))
    await asyncio.sleep(0.8)  # ~4 reads at a fixed 0.25 s pause
    assert jobs.reads == 1
    jobs.status = "done"
    workers.events["job-1"].set()
    found = await waiting
    assert found["status"] == "done"
    assert jobs.reads == 2


async def test_a_queued_job_is_read_less_and_less_often() -> None:
    jobs = Jobs("queued")
    await service(jobs, Finished(), wait_timeout=2.0).wait(SUBMITTED)
    # Reads at 0, 0.25, 0.75 and 1.75 s (each pause twice the last, up to a second), where a
    # fixed quarter second made eight.
    assert 2 <= jobs.reads <= 4


async def test_a_job_another_replica_runs_is_read_every_quarter_second() -> None:
    jobs = Jobs("processing")
    await service(jobs, Finished(), wait_timeout=1.1).wait(SUBMITTED)
    assert jobs.reads >= 3  # at 0, 0.25, 0.5, 0.75 and 1 s on time
