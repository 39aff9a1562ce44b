"""A waiting write under a saturated ingestion queue is answered in time, never with an error.

``wait=true`` answers once the job's memories are searchable, or, when the service's wait bound
passes first, 202 with the job, its status URL and ``Retry-After``: the bound is below the
gateway's timeout for ``/v1/memories`` (tests/contracts/test_gateway_timeouts.py), so the
gateway never answers 504 for a write that was stored. Here one worker has a backlog of the
same user's jobs ahead of the write; the write is done once the backlog is worked off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from muninn_memory.ingestion.models import JOBS
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.main import create_app
from muninn_memory.settings import MemorySettings
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.memory_support import _one_embedding_thread, auth, eventually, new_user

__all__ = ["_one_embedding_thread"]

BACKLOG = 200
WAIT_BOUND_SECONDS = 1.5


@pytest.fixture
def settings(infra: Infra, unique: str) -> MemorySettings:
    return MemorySettings(
        **infra.service_fields(unique),
        ingestion_workers=1,
        ingestion_poll_interval_seconds=0.1,
        ingestion_wait_timeout_seconds=WAIT_BOUND_SECONDS,
        log_level="WARNING",
    )


@pytest.fixture
async def client(settings: MemorySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with started(create_app(settings), "http://memory", timeout=30) as http:
        yield http


async def test_a_waiting_write_behind_a_backlog_is_answered_202_and_then_done(
    client: httpx.AsyncClient, settings: MemorySettings, mongo: AsyncMongoClient[dict[str, object]]
) -> None:
    user = new_user()
    jobs = mongo[f"{settings.mongo_database_prefix}memory"][JOBS]
    await jobs.insert_many(
        [
            IngestionService._job_doc(
                f"backlog-{n}",
                user,
                kind="messages",
                source="api",
                infer=False,
                payload={"messages": [{"role": "user", "content": f"Backlog note number {n}."}]},
                now=datetime.now(UTC),
            )
            for n in range(BACKLOG)
        ]
    )
    me = auth(settings, user)

    response = await client.post(
        "/v1/memories",
        json={"content": "The spare key is under the blue flowerpot.", "wait": True},
        headers=me,
    )

    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "processing"), job
    assert response.headers["location"] == job["status_url"]
    assert int(response.headers["retry-after"]) >= 1
    queued = await jobs.count_documents({"user_id": user, "status": "queued"})
    assert queued > 0, "the backlog was worked off before the bound: not saturated"

    async def done() -> bool:
        status = await client.get(job["status_url"], headers=me)
        assert status.status_code == 200, status.text
        return bool(status.json()["status"] == "done")

    await eventually(done, 120, "the write behind the backlog to be done")
    stored = (await client.get(job["status_url"], headers=me)).json()
    assert [m["content"] for m in stored["memories"]] == [
        "The spare key is under the blue flowerpot."
    ]
