"""An access token outlives its user's erasure; the writes it tries afterwards are refused."""

from __future__ import annotations

import asyncio
import time

import httpx
from pymongo import AsyncMongoClient

from tests.integration.e2e import REQUEST_TIMEOUT, Doc, assert_problem, register
from tests.integration.end_to_end.pim import ERASURE_TIMEOUT, documents_mentioning
from tests.integration.suite import Suite


async def test_after_erasure_the_old_token_writes_nothing_in_any_service(
    suite: Suite, client: httpx.AsyncClient, mongo: AsyncMongoClient[Doc]
) -> None:
    user = await register(client, "erased-writer")
    created = await client.post("/v1/conversations", json={"title": "before"}, headers=user.headers)
    assert created.status_code == 201, created.text

    erased = await client.delete("/v1/me", headers=user.headers)
    assert erased.status_code == 202, erased.text
    deadline = time.monotonic() + ERASURE_TIMEOUT
    status = erased.json()
    while status["status"] != "completed":
        assert time.monotonic() < deadline, f"erasure still {status}"
        await asyncio.sleep(0.5)
        status = (await client.get(erased.json()["status_url"], headers=user.headers)).json()
    while await documents_mentioning(mongo, suite.database_prefix, [user.id]):
        assert time.monotonic() < deadline, "the erasure left documents behind"
        await asyncio.sleep(0.5)

    # Straight to each service, as a caller past the gateway would: the token still verifies
    # (it has not expired), the write is refused all the same.
    writes = [
        ("conversation", "/v1/conversations", {"title": "after erasure"}),
        ("memory", "/v1/memories", {"content": "I live in Lisbon.", "type": "fact"}),
        ("scheduler", "/v1/reminders", {"title": "after", "local_time": "2030-01-01T08:00:00"}),
    ]
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as direct:
        for service, path, body in writes:
            response = await direct.post(
                f"{suite.url(service)}{path}", json=body, headers=user.headers
            )
            problem = assert_problem(response, 401)
            assert problem["type"].endswith("account-erased"), (service, problem)
        # Reads are not what recreates data; they answer as before (nothing is left to read).
        listed = await direct.get(
            f"{suite.url('conversation')}/v1/conversations", headers=user.headers
        )
        assert listed.status_code == 200, listed.text
        assert listed.json()["items"] == []
        # A search is a POST that only reads (it declares so): it answers as a read does.
        searched = await direct.post(
            f"{suite.url('memory')}/v1/memories/search",
            json={"query": "where do I live?"},
            headers=user.headers,
        )
        assert searched.status_code == 200, searched.text
        assert searched.json()["results"] == []
    await asyncio.sleep(1.0)  # anything a write had set off (ingestion, events) would show by now
    assert await documents_mentioning(mongo, suite.database_prefix, [user.id]) == []
