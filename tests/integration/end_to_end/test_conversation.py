"""Chat end to end: the suite as processes, every call through the gateway as a client makes it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from openai import AsyncOpenAI

from tests.integration.e2e import Doc, User, register
from tests.integration.suite import Suite

SETTLE_TIMEOUT = 60.0


async def new_conversation(client: httpx.AsyncClient, user: User, **body: object) -> str:
    response = await client.post("/v1/conversations", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Doc]]:
    name = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name:
            yield name, json.loads(line.removeprefix("data: "))
            name = ""


async def test_streamed_reply_through_the_gateway_is_stored_complete_with_usage(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client, "chat")
    conversation_id = await new_conversation(client, user, context="personal")
    events: list[tuple[str, Doc]] = []
    async with client.stream(
        "POST",
        f"/v1/conversations/{conversation_id}/messages",
        json={"content": "I started learning the cello last month."},
        headers={**user.headers, "Accept": "text/event-stream"},
    ) as response:
        assert response.status_code == 201
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [event async for event in sse_events(response)]

    names = [name for name, _ in events]
    assert names[0] == "message"
    assert names[-1] == "done"
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert len(deltas) > 1, "the reply arrives as several deltas"
    final = events[-1][1]
    assert final["usage"]["output_tokens"] > 0
    message_id = final["message"]["id"]

    stored = await client.get(
        f"/v1/conversations/{conversation_id}/messages/{message_id}", headers=user.headers
    )
    assert stored.status_code == 200
    body = stored.json()
    assert body["status"] == "complete"
    assert body["content"] == "".join(deltas)
    assert (
        body["usage"]["total_tokens"]
        == body["usage"]["input_tokens"] + body["usage"]["output_tokens"]
    )


async def wait_for_status(
    client: httpx.AsyncClient, user: User, conversation_id: str, message_id: str, wanted: set[str]
) -> Doc:
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last: Doc = {}
    while time.monotonic() < deadline:
        response = await client.get(
            f"/v1/conversations/{conversation_id}/messages/{message_id}", headers=user.headers
        )
        if response.status_code == 200:
            last = response.json()
            if last["status"] in wanted:
                return last
        await asyncio.sleep(0.5)
    raise AssertionError(f"message never reached {wanted}: {last}")


async def test_killing_the_service_mid_stream_leaves_a_visible_error_not_a_stuck_reply(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "crashchat")
    conversation_id = await new_conversation(
        client, user, settings={"provider": "slowfake", "model": "slow-1"}
    )
    received: list[str] = []
    message_id = ""
    try:
        async with client.stream(
            "POST",
            f"/v1/conversations/{conversation_id}/messages",
            json={"content": "Tell me a long story."},
            headers={**user.headers, "Accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 201
            async for name, data in sse_events(response):
                if name == "message":
                    message_id = data["assistant_message"]["id"]
                elif name == "delta":
                    received.append(data["text"])
                    if len(received) >= 6:
                        # Partial text is saved as it streams; give one save interval to land.
                        await asyncio.sleep(1.0)
                        await asyncio.to_thread(suite.kill, "conversation")
                        break
    except httpx.HTTPError:
        pass  # the stream may end abruptly: the service died under it
    assert message_id, "the first event names the assistant message"
    assert received, "deltas arrived before the crash"

    await asyncio.to_thread(suite.restart, "conversation")
    settled = await wait_for_status(
        client, user, conversation_id, message_id, {"error", "complete", "stopped"}
    )
    assert settled["status"] in {"error", "complete"}
    if settled["status"] == "error":
        assert settled["error"], "the error says what happened"
        assert settled["content"].startswith("".join(received[:3]).strip()[:10])

    listing = await client.get(
        f"/v1/conversations/{conversation_id}/messages", headers=user.headers
    )
    assert listing.status_code == 200
    statuses = [m["status"] for m in listing.json()["items"]]
    assert not {"generating", "pending"} & set(statuses)


async def test_openai_sdk_works_against_the_gateway_with_an_api_key(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "sdk")
    created = await client.post(
        "/v1/me/api-keys", json={"name": "sdk", "scopes": ["read", "write"]}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    api_key = created.json()["key"]

    sdk = AsyncOpenAI(base_url=f"{suite.gateway_url}/v1", api_key=api_key, max_retries=0)
    models = await sdk.models.list()
    assert "muninn" in [model.id for model in models.data]

    completion = await sdk.chat.completions.create(
        model="muninn",
        messages=[{"role": "user", "content": "My sister Ingrid lives in Bergen."}],
        user="sdk-thread",
    )
    assert completion.choices[0].message.content
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0
    await searchable(client, user, "Where does my sister Ingrid live?", "Bergen")

    stream = await sdk.chat.completions.create(
        model="muninn",
        messages=[{"role": "user", "content": "What should I pack for a rainy weekend?"}],
        user="sdk-thread",
        stream=True,
    )
    pieces: list[str] = []
    finish: Any = None
    async for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
    assert "".join(pieces).strip()
    assert finish == "stop"

    # A later call, in a fresh thread, is answered from what the first one taught.
    recalled = await sdk.chat.completions.create(
        model="muninn",
        messages=[{"role": "user", "content": "Where does my sister Ingrid live?"}],
        user="sdk-later",
    )
    assert "Bergen" in (recalled.choices[0].message.content or "")

    # The exchange is stored in a conversation the user can see through the normal API.
    conversations = await client.get("/v1/conversations", headers=user.headers)
    assert conversations.status_code == 200
    assert conversations.json()["items"], "the SDK exchange was stored in a conversation"
    await sdk.close()


async def searchable(client: httpx.AsyncClient, user: User, query: str, wanted: str) -> Doc:
    """Waits until a memory search through the gateway returns a memory mentioning ``wanted``."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last: Doc = {}
    while time.monotonic() < deadline:
        response = await client.post(
            "/v1/memories/search", json={"query": query, "limit": 5}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        last = response.json()
        for result in last["results"]:
            if result["memory"] and wanted in result["memory"]["content"]:
                found: Doc = result
                return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"no memory mentioning {wanted!r} became searchable: {last}")


async def test_a_fact_stated_in_a_conversation_is_searchable_with_provenance_and_history(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client, "fact")
    conversation_id = await new_conversation(client, user)
    posted = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"content": "My sister Ingrid lives in Bergen."},
        headers=user.headers,
    )
    assert posted.status_code == 201, posted.text
    message_id = posted.json()["user_message"]["id"]

    result = await searchable(client, user, "Where does Ingrid live?", "Bergen")
    assert result["score"] > 0
    assert result["provenance"]["source"] == "conversation"
    assert result["provenance"]["message_ids"] == [message_id]
    [source] = result["provenance"]["messages"]
    assert source["conversation_id"] == conversation_id
    assert "Bergen" in source["excerpt"]

    memory_id = result["memory"]["id"]
    history = await client.get(f"/v1/memories/{memory_id}/history", headers=user.headers)
    assert history.status_code == 200, history.text
    why = history.json()
    assert [m["message_id"] for m in why["source_messages"]] == [message_id]
    assert why["extraction"]["extractor"] != "none", "the fact was extracted, not copied"
    assert [change["operation"] for change in why["changes"]][:1] == ["created"]

    # Another user searching the same words finds nothing of it.
    stranger = await register(client, "stranger")
    other = await client.post(
        "/v1/memories/search", json={"query": "Ingrid Bergen sister"}, headers=stranger.headers
    )
    assert other.status_code == 200
    assert other.json()["results"] == []
