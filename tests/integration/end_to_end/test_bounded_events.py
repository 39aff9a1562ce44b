"""One huge message must not stall a service's events for every other user."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from pymongo import AsyncMongoClient

from tests.integration.e2e import Doc, User, register, seconds_until_searchable
from tests.integration.suite import Suite

EMOJI = "\U0001f600"
SEARCHABLE_WITHIN_SECONDS = 5.0


async def new_conversation(client: httpx.AsyncClient, user: User) -> str:
    response = await client.post("/v1/conversations", json={}, headers=user.headers)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def post_raw_utf8(
    client: httpx.AsyncClient, user: User, conversation_id: str, content: str
) -> httpx.Response:
    body = json.dumps({"content": content}, ensure_ascii=False).encode()
    return await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        content=body,
        headers={**user.headers, "content-type": "application/json"},
        timeout=httpx.Timeout(120.0),
    )


async def test_a_huge_emoji_message_does_not_hold_back_another_users_memory(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    sender = await register(client, "emoji")
    huge = EMOJI * 100_000
    assert len(huge.encode()) == 400_000
    posted = await post_raw_utf8(client, sender, await new_conversation(client, sender), huge)
    assert posted.status_code == 201, posted.text

    other = await register(client, "bystander")
    conversation_id = await new_conversation(client, other)
    said = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"content": "My sister Ingrid lives in Bergen."},
        headers=other.headers,
    )
    assert said.status_code == 201, said.text

    waited = await seconds_until_searchable(
        client, other, "Where does Ingrid live?", "Bergen", give_up_after=30.0
    )
    assert (waited if waited is not None else float("inf")) <= SEARCHABLE_WITHIN_SECONDS, (
        f"another user's message was searchable after {waited} s, not within "
        f"{SEARCHABLE_WITHIN_SECONDS} s\n" + suite.tails(50, names=["conversation", "memory"])
    )

    # The huge message went out cut, said so, and memory kept what it got.
    mongo: AsyncMongoClient[Doc] = AsyncMongoClient(suite.infra.mongo_uri)
    try:
        outbox = mongo[suite.database("conversation")]
        assert await outbox["outbox_dead_letters"].count_documents({}) == 0
        memories = mongo[suite.database("memory")]
        deadline = time.monotonic() + 60
        remembered: Doc | None = None
        while remembered is None and time.monotonic() < deadline:
            remembered = await memories["memories"].find_one(
                {"user_id": sender.id, "content": {"$regex": f"^{EMOJI}"}}
            )
            if remembered is None:
                await asyncio.sleep(0.5)
    finally:
        await mongo.close()
    assert remembered is not None, "memory stored the part of the huge message it received"
    assert 0 < len(remembered["content"]) < 100_000
    [source] = remembered["provenance"]["messages"]
    assert source["metadata"]["content_truncated"] is True
    assert source["metadata"]["content_length"] == 100_000
