"""The Python SDK (clients/python) against the whole stack, through the gateway.

Sync and async clients, cursor pages as iterators, a reply streamed as typed events,
problem details as typed exceptions, an expired access token refreshed on the fly, an API
key with a read scope, a raw document upload; and the committed SDK is what the live API's
merged OpenAPI document generates, with every operation reachable from both clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from muninn_client import (
    OPERATIONS,
    AsyncMuninn,
    Delta,
    Done,
    Forbidden,
    MessageStarted,
    Muninn,
    NotFound,
    Tokens,
    Unauthorized,
    ValidationFailed,
)
from muninn_client import models as m
from muninn_shared.settings import CONTENT_SERVICES

from tests.integration.e2e import PASSWORD, new_email
from tests.integration.suite import Suite
from tools.generate_sdk import render, stale_files
from tools.sdk_codegen.source import merge

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


async def live_document(client: httpx.AsyncClient, suite: Suite) -> dict[str, Any]:
    """Every running service's own document, merged as the gateway merges them.

    Read from the services rather than the gateway's cached merge: on a loaded machine a
    service can miss the gateway's fetch, and its paths are then absent until the cache's
    next refresh.
    """
    documents = {}
    for service in CONTENT_SERVICES:
        answer = await client.get(f"{suite.url(service)}/openapi.json", timeout=60.0)
        assert answer.status_code == 200, (service, answer.text)
        documents[service] = answer.json()
    return merge(documents)


@pytest.fixture
def sdk(suite: Suite) -> Iterator[Muninn]:
    """A signed-in sync client of a new user."""
    with Muninn(suite.gateway_url) as client:
        client.register({"email": new_email("sdk"), "password": PASSWORD, "name": "Ada"})
        yield client


def remember(sdk: Muninn, content: str) -> m.Memory:
    job = sdk.memories.create(m.MemoryCreate(content=content, context="personal"), wait=True)
    assert job.status == "done", job
    assert job.memories, job
    return job.memories[0]


def test_memories_round_trip_with_pages_history_and_typed_errors(sdk: Muninn) -> None:
    added = [remember(sdk, f"My locker number at the pool is {n}0{n}.") for n in range(1, 4)]

    listed = list(sdk.memories.list(limit=1))
    assert {m.id for m in added} <= {m.id for m in listed}
    pages = list(sdk.memories.list(limit=1).pages())
    assert len(pages) >= 3, "one memory a page, followed by cursor"

    found = sdk.memories.search(m.SearchRequest(query="locker number at the pool", limit=5))
    assert any(r.memory and "locker" in r.memory.content for r in found.results)

    target = added[0]
    updated = sdk.memories.patch(target.id, {"content": "My locker number at the pool is 999."})
    assert updated.content.endswith("999.")
    history = sdk.memories.history(target.id)
    assert history.memory.id == target.id
    assert "edited" in {change.operation for change in history.changes}, history.changes

    sdk.memories.delete(target.id)
    with pytest.raises(NotFound) as missing:
        sdk.memories.get(target.id)
    assert missing.value.code == "not-found"
    assert missing.value.request_id

    with pytest.raises(ValidationFailed) as invalid:
        sdk.memories.search({"query": ""})
    assert invalid.value.status == 422
    assert invalid.value.errors


def test_a_reply_streams_as_typed_events(sdk: Muninn) -> None:
    conversation = sdk.conversations.create({"title": "SDK", "context": "personal"})
    events = list(
        sdk.conversations.stream_message(conversation.id, {"content": "Tell me about cellos."})
    )
    assert isinstance(events[0], MessageStarted)
    assert isinstance(events[-1], Done)
    deltas = [e.text for e in events if isinstance(e, Delta)]
    assert deltas
    assert events[-1].message.content == "".join(deltas)
    assert events[-1].message.status == "complete"

    thread = sdk.conversations.list_messages(conversation.id)
    assert events[-1].message.id in {message.id for message in thread.items}


def test_an_expired_access_token_is_refreshed_and_the_rotation_reported(
    suite: Suite,
) -> None:
    email = new_email("refresh")
    rotated: list[Tokens] = []
    with Muninn(suite.gateway_url) as client:
        client.register({"email": email, "password": PASSWORD})
        session = client.login(email, PASSWORD, on_refresh=rotated.append)
        tokens = client.credential
        assert isinstance(tokens, Tokens)
        first_refresh = tokens.refresh_token
        # What a token past its lifetime gets from the gateway: a 401.
        tokens.access_token = session.tokens.access_token[:-4] + "AAAA"
        assert client.me.get().email == email
        assert rotated == [tokens]
        assert tokens.refresh_token != first_refresh

        # The spent refresh token is refused by the server: it rotated for real.
        with pytest.raises(Unauthorized):
            client.auth.refresh({"refresh_token": first_refresh or ""})


def test_an_api_key_with_read_scope_reads_and_may_not_write(sdk: Muninn, suite: Suite) -> None:
    created = sdk.me.create_key({"name": f"sdk-{uuid.uuid4().hex[:6]}", "scopes": ["read"]})
    assert created.key.startswith("mk_")
    with Muninn(suite.gateway_url, api_key=created.key) as keyed:
        assert keyed.me.get().id == sdk.me.get().id
        with pytest.raises(Forbidden):
            keyed.notes.create({"title": "no", "content": "read-only key"})
    sdk.me.revoke_key(created.id)


def test_a_document_is_uploaded_as_a_raw_body(sdk: Muninn) -> None:
    document = sdk.documents.upload(
        b"# Lease\n\nThe tenant gives three months' notice.\n",
        media_type="text/markdown",
        title="Lease",
        tag=["home"],
    )
    assert document.title == "Lease"
    assert [d.id for d in sdk.documents.list()] == [document.id]


async def test_the_async_client_pages_reminders_and_maps_errors(suite: Suite) -> None:
    email = new_email("async")
    async with AsyncMuninn(suite.gateway_url) as client:
        await client.register({"email": email, "password": PASSWORD, "timezone": "Europe/Lisbon"})
        for n in range(3):
            await client.reminders.create(
                {"title": f"water the plants {n}", "due_at": f"2030-01-0{n + 1}T09:00:00Z"}
            )
        titles = [r.title async for r in client.reminders.list(limit=2)]
        assert sorted(titles) == [f"water the plants {n}" for n in range(3)]
        with pytest.raises(NotFound):
            await client.reminders.complete("no-such-reminder")

        conversation = await client.conversations.create({"title": "async"})
        events = [
            e async for e in client.conversations.stream_message(conversation.id, {"content": "Hi"})
        ]
        assert isinstance(events[-1], Done)


async def test_the_sdk_is_generated_from_the_live_api_and_reaches_every_operation(
    client: httpx.AsyncClient, suite: Suite
) -> None:
    """The services' merged documents generate the committed SDK byte for byte: a changed
    model, a new route or a removed one fails here until ``make sdk`` is run and committed."""
    document = await live_document(client, suite)
    stale = stale_files(render(document))
    assert stale == [], f"run `make sdk` and commit: {stale} differ from the live API"
    live = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method in HTTP_METHODS
        if method in item
    }
    assert live - set(OPERATIONS) == set(), "operations without an SDK method: run `make sdk`"
    assert set(OPERATIONS) - live == set(), "SDK methods of operations the API no longer has"
    sync, asynchronous = Muninn("http://unused"), AsyncMuninn("http://unused")
    for target in OPERATIONS.values():
        group, method = target.split(".")
        assert callable(getattr(getattr(sync, group), method)), target
        assert callable(getattr(getattr(asynchronous, group), method)), target
    sync.close()
    await asynchronous.close()
