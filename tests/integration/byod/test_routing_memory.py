"""Memory routed: a message event about a BYOD user is consumed, queued, extracted and stored
in their own database (job, memories, history, the applied-event marker), while the same
event about a hosted user stays on main; both are found by search."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from muninn_memory.ingestion.store import JobStore
from muninn_memory.main import create_app, default_index
from muninn_memory.retrieval.port import MemoryIndex
from muninn_memory.settings import MemorySettings
from muninn_memory.vectors.qdrant_client import create_qdrant_client
from muninn_memory.vectors.server import QdrantBackend
from muninn_shared.events import Topic
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.routes import OwnDatabase
from pymongo import AsyncMongoClient

from tests.integration.byod.routing_support import (
    OwnServer,
    announce_own_route,
    nothing_of_on_main,
    routed_settings,
)
from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.memory_support import (
    auth,
    eventually,
    message_event,
    publish_all,
    search,
)


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
    async with started(create_app(settings), "http://memory", timeout=60) as http:
        yield http


async def test_a_byod_users_message_becomes_memories_in_their_database(
    infra: Infra, own_mongo: OwnServer, memory: httpx.AsyncClient
) -> None:
    runtime = memory.app.state.runtime  # type: ignore[attr-defined]
    settings = runtime.settings
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    database = await announce_own_route(runtime, own_mongo, ana)
    await publish_all(
        infra,
        Topic.CONVERSATION_MESSAGES,
        [message_event(user, "I just adopted a cat named Miso.") for user in (ana, bo)],
    )
    for user in (ana, bo):

        async def found(user: str = user) -> bool:
            return bool(await search(memory, auth(settings, user), "cat Miso"))

        await eventually(found, 60, f"{user}'s message searchable")

    own: AsyncMongoClient[dict[str, Any]] = create_mongo_client(own_mongo.uri)
    main: AsyncMongoClient[dict[str, Any]] = create_mongo_client(infra.mongo_uri)
    try:
        own_db, main_db = own[database], main[settings.mongo_database]
        for name in ("memories", "memory_history", "ingestion_jobs"):
            assert await own_db[name].count_documents({"user_id": ana}) >= 1, name
            assert await own_db[name].count_documents({"user_id": bo}) == 0, name
            assert await main_db[name].count_documents({"user_id": ana}) == 0, name
        assert await own_db["memories"].count_documents({"user_id": ana}) >= 1
        assert await main_db["memories"].count_documents({"user_id": bo}) >= 1
        assert (
            await nothing_of_on_main(infra.mongo_uri, settings.mongo_database, "memory", ana) == {}
        )
        # The marker of the applied event committed with the memories, in her database.
        assert await own_db["memory_processed_events"].count_documents({}) >= 1
    finally:
        await own.close()
        await main.close()


async def test_events_of_a_user_whose_database_is_down_wait_without_holding_others(
    infra: Infra, own_mongo: OwnServer, memory: httpx.AsyncClient
) -> None:
    runtime = memory.app.state.runtime  # type: ignore[attr-defined]
    settings = runtime.settings
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    await announce_own_route(runtime, own_mongo, ana)
    own_mongo.kill()
    try:
        # Same key as hers, so the same partition: his event must not wait behind hers.
        await publish_all(
            infra,
            Topic.CONVERSATION_MESSAGES,
            [
                message_event(ana, "My sister Lena lives in Porto."),
                message_event(ana, "I started learning the cello."),
                message_event(bo, "My brother Tomas lives in Faro."),
            ],
        )

        async def his_found() -> bool:
            return bool(await search(memory, auth(settings, bo), "brother Tomas Faro"))

        await eventually(his_found, 60, "the hosted user's message applied meanwhile")

        async def hers_parked() -> bool:
            return bool(await runtime.parked.count() >= 2)

        await eventually(hers_parked, 30, "her events parked")
        answer = await memory.get("/v1/memories", headers=auth(settings, ana))
        assert answer.status_code == 503, answer.text
        assert answer.json()["type"].endswith("own-store-unavailable")
    finally:
        own_mongo.restart()

    async def hers_found() -> bool:
        answer = await memory.post(
            "/v1/memories/search", json={"query": "cello"}, headers=auth(settings, ana)
        )
        return answer.status_code == 200 and bool(answer.json()["results"])

    await eventually(hers_found, 90, "her parked events applied once her database is back")
    assert await runtime.parked.count() == 0
    found = await search(memory, auth(settings, ana), "sister Lena Porto")
    assert found, "both of her events applied, in order"


@pytest.fixture
async def memory_with_own_qdrant(
    infra: Infra, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, MemoryIndex], MemoryIndex]]:
    """Memory whose BYOD users' Qdrant is reached through qdrant-client's local mode (a
    directory per store): no Qdrant server installs here, and the HTTP transport is the
    client library's own."""
    unique = uuid.uuid4().hex[:10]
    settings = MemorySettings(
        **infra.service_fields(unique),
        ingestion_poll_interval_seconds=0.1,
        index_sync_interval_seconds=0.5,
        log_level="WARNING",
        **routed_settings(),
    )
    hosted = default_index(settings)
    opened: dict[str, MemoryIndex] = {}

    def own_index(own: OwnDatabase) -> MemoryIndex:
        client = create_qdrant_client(None, path=tmp_path / own.store_id)
        opened[str(own.qdrant_url)] = hosted.on_backend(QdrantBackend(client))
        return opened[str(own.qdrant_url)]

    app = create_app(settings, index=hosted, own_index=own_index)
    async with started(app, "http://memory", timeout=60) as http:
        yield http, opened, hosted


async def test_a_byod_users_vectors_go_to_their_own_qdrant(
    own_mongo: OwnServer,
    memory_with_own_qdrant: tuple[httpx.AsyncClient, dict[str, MemoryIndex], MemoryIndex],
) -> None:
    memory, opened, hosted = memory_with_own_qdrant
    runtime = memory.app.state.runtime  # type: ignore[attr-defined]
    settings = runtime.settings
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    qdrant = "https://qdrant.ana.example"
    await announce_own_route(runtime, own_mongo, ana, qdrant_url=qdrant)
    for user in (ana, bo):
        stored = await memory.post(
            "/v1/memories",
            json={"messages": [{"content": "I play the cello on Sundays."}], "wait": True},
            headers=auth(settings, user),
        )
        assert stored.status_code == 200, stored.text
        assert await search(memory, auth(settings, user), "cello"), user
    own_index = opened[qdrant]
    assert await own_index.count(ana) >= 1
    assert await own_index.count(bo) == 0
    assert await hosted.count(ana) == 0
    assert await hosted.count(bo) >= 1


async def test_a_byod_users_queued_jobs_count_in_the_ingestion_backlog(
    own_mongo: OwnServer, memory: httpx.AsyncClient
) -> None:
    runtime = memory.app.state.runtime  # type: ignore[attr-defined]
    workers = memory.app.state.workers  # type: ignore[attr-defined]
    on_main = JobStore(runtime.db)  # served for nobody: the main database's queue alone
    ana = "ana-" + uuid.uuid4().hex[:8]
    database = await announce_own_route(runtime, own_mongo, ana)
    own: AsyncMongoClient[dict[str, Any]] = create_mongo_client(own_mongo.uri)
    try:
        # Not runnable for a day, so no worker takes it while it is counted.
        await own[database]["ingestion_jobs"].insert_one(
            {
                "_id": uuid.uuid4().hex,
                "user_id": ana,
                "status": "queued",
                "turn": 1,
                "created_at": datetime.now(UTC),
                "enqueued_at": datetime.now(UTC),
                "not_before": datetime.now(UTC) + timedelta(days=1),
            }
        )

        # Main's queue moves meanwhile: this app replays the module's earlier message events.
        # Compare while it holds still.
        async def hers_counted_beside_main() -> bool:
            main_before = await on_main.backlog()
            everywhere = await workers.queued_everywhere()
            return main_before == await on_main.backlog() and everywhere == main_before + 1

        await eventually(hers_counted_beside_main, 30, "her queued job in the backlog")
    finally:
        await own.close()
