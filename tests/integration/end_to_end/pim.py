"""Helpers for the end-to-end tests that connect calendars, address books and mailboxes.

Accounts are connected through the gateway's ``/v1/integrations``, synced, and a user's
data checked in the export and after erasure (the erasure helpers serve every end-to-end
test that erases a user).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.integration.e2e import Doc, User

ERASURE_TIMEOUT = 120.0
SYNC_TIMEOUT = 90.0

BRIEFING_LEAD_MINUTES = 0.5
"""The suite's integrations service delivers meeting briefings this long before a meeting
(60 by default), so a test can see one delivered within a minute."""
BRIEFING_INTERVAL_SECONDS = 2
"""And looks for briefings to write this often (every 5 minutes by default)."""


def relationships_env() -> dict[str, str]:
    """The integrations service's settings for the tests of briefings before meetings."""
    return {
        "MUNINN_BRIEFING_LEAD_MINUTES": str(BRIEFING_LEAD_MINUTES),
        "MUNINN_BRIEFING_INTERVAL_SECONDS": str(BRIEFING_INTERVAL_SECONDS),
    }


async def connect(
    client: httpx.AsyncClient,
    user: User,
    provider: str,
    url: str,
    username: str | None = None,
    password: str | None = None,
) -> str:
    body = {"provider": provider, "server_url": url}
    if username is not None and password is not None:
        body |= {"username": username, "password": password}
    response = await client.post(
        "/v1/integrations/connections", json=body, headers=user.headers, timeout=60
    )
    assert response.status_code == 201, response.text
    assert password is None or password not in response.text
    connection_id: str = response.json()["id"]
    return connection_id


async def synced(client: httpx.AsyncClient, user: User, connection_ids: list[str]) -> None:
    """Sync each connection now and wait until every one has completed a sync."""
    for connection_id in connection_ids:
        queued = await client.post(
            f"/v1/integrations/connections/{connection_id}/sync", headers=user.headers
        )
        assert queued.status_code in (200, 202), queued.text
    deadline = time.monotonic() + SYNC_TIMEOUT
    while True:
        listed = await client.get("/v1/integrations/connections", headers=user.headers)
        assert listed.status_code == 200, listed.text
        pending = [c for c in listed.json()["items"] if c["sync_count"] < 1]
        if not pending:
            return
        assert time.monotonic() < deadline, f"not synced after {SYNC_TIMEOUT}s: {pending}"
        await asyncio.sleep(0.5)


async def erase(client: httpx.AsyncClient, user: User) -> Doc:
    """Ask for the user's erasure and wait until every service has completed it; its status."""
    requested = await client.delete("/v1/me", headers=user.headers)
    assert requested.status_code == 202, requested.text
    return await erasure_completed(client, user, requested)


async def erasure_completed(
    client: httpx.AsyncClient, user: User, requested: httpx.Response
) -> Doc:
    """The status of the erasure ``requested`` (``DELETE /v1/me``'s answer) once every service
    has completed it."""
    status_url = requested.json()["status_url"]
    deadline = time.monotonic() + ERASURE_TIMEOUT
    status: Doc = requested.json()
    while status["status"] != "completed":
        assert time.monotonic() < deadline, f"erasure still {status} after {ERASURE_TIMEOUT}s"
        await asyncio.sleep(0.5)
        response = await client.get(status_url, headers=user.headers)
        assert response.status_code == 200, response.text
        status = response.json()
    return status


async def counts(db: Any, user_id: str) -> dict[str, int]:
    return {
        name: await db[name].count_documents({"user_id": user_id})
        for name in sorted(await db.list_collection_names())
        if not name.startswith("system.")
    }


async def mentions(db: Any, needles: list[str]) -> list[str]:
    """Every document of the database whose stored form contains one of ``needles``."""
    found = []
    for name in await db.list_collection_names():
        if name.startswith("system."):
            continue
        async for doc in db[name].find({}):
            text = json.dumps(doc, default=str)
            hits = [needle for needle in needles if needle in text]
            if hits:
                found.append(f"{name} {doc.get('_id')!r}: {hits}")
    return found


async def documents_mentioning(
    mongo: AsyncMongoClient[Doc], prefix: str, needles: list[str]
) -> list[str]:
    """Every stored document, in every database of the suite, that contains one of ``needles``."""
    found = []
    for database in await mongo.list_database_names():
        if database.startswith(prefix):
            found += [f"{database}.{hit}" for hit in await mentions(mongo[database], needles)]
    return found


def field_names(value: object) -> set[str]:
    """Every key at any depth of a JSON value, inside lists too."""
    if isinstance(value, dict):
        return set(value) | {name for item in value.values() for name in field_names(item)}
    if isinstance(value, list):
        return {name for item in value for name in field_names(item)}
    return set()
