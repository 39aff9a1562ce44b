"""Memory routed: a message event about a BYOD user is consumed, queued, extracted and stored
in their own database (job, memories, history, the applied-event marker), while the same
event about a hosted user stays on main; both are found by search."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from muninn_memory.main import create_app
from muninn_memory.settings import MemorySettings
from muninn_shared.content_schema import deploy
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

from tests.integration.byod.routing_support import (
    OWN_DATABASE,
    OwnServer,
    announce_own_route,
    routed_settings,
)
from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.memory_support import auth, eventually, publish_all, search


@pytest.fixture
async def memory(infra: Infra, own_mongo: OwnServer) -> AsyncIterator[httpx.AsyncClient]:
    unique = uuid.uuid4().hex[:10]
    settings = MemorySettings(
        **infra.service_fields(unique),
        ingestion_poll_interval_seconds=0.1,
        index_sync_interval_seconds=0.5,
        log_level="WARNING",
        **routed_settings(),
    )
    own = create_mongo_client(own_mongo.uri)
    try:
        await deploy(own[OWN_DATABASE])
    finally:
        await own.close()
    async with started(create_app(settings), "http://memory", timeout=60) as http:
        yield http


def said(user: str, content: str) -> EventEnvelope:
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


async def test_a_byod_users_message_becomes_memories_in_their_database(
    infra: Infra, own_mongo: OwnServer, memory: httpx.AsyncClient
) -> None:
    runtime = memory.app.state.runtime  # type: ignore[attr-defined]
    settings = runtime.settings
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    await announce_own_route(runtime, own_mongo, ana)
    await publish_all(
        infra,
        Topic.CONVERSATION_MESSAGES,
        [said(user, "I just adopted a cat named Miso.") for user in (ana, bo)],
    )
    for user in (ana, bo):

        async def found(user: str = user) -> bool:
            return bool(await search(memory, auth(settings, user), "cat Miso"))

        await eventually(found, 60, f"{user}'s message searchable")

    own: AsyncMongoClient[dict[str, Any]] = create_mongo_client(own_mongo.uri)
    main: AsyncMongoClient[dict[str, Any]] = create_mongo_client(infra.mongo_uri)
    try:
        own_db, main_db = own[OWN_DATABASE], main[settings.mongo_database]
        for name in ("memories", "memory_history", "ingestion_jobs"):
            assert await own_db[name].count_documents({"user_id": ana}) >= 1, name
            assert await own_db[name].count_documents({"user_id": bo}) == 0, name
            assert await main_db[name].count_documents({"user_id": ana}) == 0, name
        assert await own_db["memories"].count_documents({"user_id": ana}) >= 1
        assert await main_db["memories"].count_documents({"user_id": bo}) >= 1
        # The marker of the applied event committed with the memories, in her database.
        assert await own_db["memory_processed_events"].count_documents({}) >= 1
    finally:
        await own.close()
        await main.close()
