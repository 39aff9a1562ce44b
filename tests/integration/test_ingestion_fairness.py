"""Ingestion is fair across users and bounded per message, against a real MongoDB server:
one user's backlog does not hold up another user's job, and a message whose extraction runs
past its budget is stored without extraction, its job saying why."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.ingestion.store import JobStore
from muninn_memory.main import create_app
from muninn_memory.settings import MemorySettings
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

Doc = dict[str, Any]
BACKLOG = 300  # above the 200 candidates a claim reads


def job_doc(user_id: str) -> Doc:
    return IngestionService._job_doc(
        uuid.uuid4().hex,
        user_id,
        kind="messages",
        source="api",
        infer=True,
        payload={"messages": [{"role": "user", "content": "I love tea."}]},
        now=datetime.now(UTC),
    )


@pytest.fixture
async def jobs(mongo: AsyncMongoClient[Doc], unique: str) -> JobStore:
    store = JobStore(mongo[f"fairness_{unique}"])  # type: ignore[arg-type]
    await store.ensure_indexes()
    return store


async def claim(jobs: JobStore, worker: str, skip: set[str] | None = None) -> Doc | None:
    return await jobs.claim(
        worker=worker, instance_id=worker, lease_seconds=30, skip_users=skip or set()
    )


async def test_another_users_job_is_claimed_while_a_backlog_waits(jobs: JobStore) -> None:
    for _ in range(BACKLOG):
        await jobs.insert(job_doc("backlog-user"))
    await jobs.insert(job_doc("quiet-user"))

    # Two workers: the first takes the backlog's oldest job, the second must not idle.
    first = await claim(jobs, "w1")
    assert first is not None
    assert first["user_id"] == "backlog-user"
    second = await claim(jobs, "w2", skip={"backlog-user"})
    assert second is not None
    assert second["user_id"] == "quiet-user"


async def test_one_worker_alternates_between_users(jobs: JobStore) -> None:
    for _ in range(BACKLOG):
        await jobs.insert(job_doc("backlog-user"))
    served: list[str] = []
    for round_number in range(6):
        if round_number == 2:  # arrives while the backlog is being worked off
            await jobs.insert(job_doc("quiet-user"))
            await jobs.insert(job_doc("quiet-user"))
        job = await claim(jobs, "w1")
        assert job is not None
        served.append(job["user_id"])
        await jobs.fail(job["_id"], job["claim"], "done in this test")
    assert served == ["backlog-user"] * 2 + ["backlog-user", "quiet-user"] * 2


async def test_a_retried_job_waits_its_turn(jobs: JobStore) -> None:
    await jobs.insert(job_doc("retrying-user"))
    failed = await claim(jobs, "w1")
    assert failed is not None
    await jobs.fail(failed["_id"], failed["claim"], "boom")
    for _ in range(3):
        await jobs.insert(job_doc("other-user"))
    head = await claim(jobs, "w1")
    assert head is not None
    await jobs.fail(head["_id"], head["claim"], "done in this test")
    assert await jobs.requeue_failed(failed["_id"], "retrying-user") is not None
    order = []
    while (job := await claim(jobs, "w1")) is not None:
        order.append(job["user_id"])
        await jobs.fail(job["_id"], job["claim"], "done in this test")
    assert order == ["other-user", "retrying-user", "other-user"]


# -- the extraction budget ------------------------------------------------------------------


@pytest.fixture
async def client(infra: Infra, unique: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = MemorySettings(
        **infra.service_fields(unique),
        ingestion_poll_interval_seconds=0.1,
        ingestion_wait_timeout_seconds=120,
        extraction_budget_seconds=1e-9,  # every message with a clause is past it
        log_level="WARNING",
    )
    async with started(
        create_app(settings), "http://memory", timeout=60, shutdown_timeout=30
    ) as http:
        token = identity_token_issuer().issue("budget-user")
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


async def test_a_message_past_the_budget_is_stored_without_extraction(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/memories",
        json={"messages": [{"content": "I live in Berlin. I love sushi."}], "wait": True},
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "done"
    assert [m["type"] for m in job["memories"]] == ["conversation"]
    assert job["memories"][0]["content"] == "I live in Berlin. I love sushi."
    [note] = job["result"]["notes"]
    assert note.startswith("message 0: stored without extraction")
    assert "extraction budget" in note
