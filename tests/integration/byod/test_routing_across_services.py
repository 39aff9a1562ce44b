"""Every content service at once, over real Kafka: a BYOD user's message travels through the
event consumers of conversation, scheduler, memory and integrations, and everything any of
them writes for that user lands in the user's own database; a hosted user's, on main.

"remind me to call mom tomorrow at 6pm": conversation stores the turn and announces it;
the scheduler makes a reminder of it and announces a confirmation, which conversation posts
back as a proactive message; memory ingests the turn; integrations reads it for mentions.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from muninn_conversation.main import create_app as create_conversation
from muninn_integrations.main import create_app as create_integrations
from muninn_memory.main import create_app as create_memory
from muninn_memory.settings import MemorySettings
from muninn_scheduler.clock import SystemClock
from muninn_scheduler.main import create_app as create_scheduler
from muninn_shared.storage.mongo import create_mongo_client

from tests.integration.byod.routing_support import (
    OwnServer,
    announce_own_route,
    nothing_of_on_main,
    routed_settings,
)
from tests.integration.conversation_app import conversation_settings
from tests.integration.infra import Infra
from tests.integration.integrations.app_support import ON_LOOPBACK, me, serving, settings_for
from tests.integration.memory_support import eventually
from tests.integration.scheduler.harness import scheduler_settings

SERVICES = ("conversation", "memory", "scheduler", "integrations")


@dataclass
class Suite:
    http: dict[str, httpx.AsyncClient]
    apps: dict[str, FastAPI]


@pytest.fixture
async def suite(infra: Infra) -> AsyncIterator[Suite]:
    unique = uuid.uuid4().hex[:10]
    routed = routed_settings()
    apps: dict[str, FastAPI] = {
        "conversation": create_conversation(
            conversation_settings(infra, unique).model_copy(update=routed)
        ),
        "memory": create_memory(
            MemorySettings(
                **infra.service_fields(unique),
                ingestion_poll_interval_seconds=0.1,
                index_sync_interval_seconds=0.5,
                log_level="WARNING",
                **routed,
            )
        ),
        "scheduler": create_scheduler(
            scheduler_settings(infra, unique, **routed), SystemClock(), run_timers=False
        ),
        "integrations": create_integrations(settings_for(infra, unique, **ON_LOOPBACK, **routed)),
    }
    async with AsyncExitStack() as stack:
        http = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        yield Suite(http, apps)


async def said(suite: Suite, user: str, text: str) -> str:
    made = await suite.http["conversation"].post("/v1/conversations", json={}, headers=me(user))
    assert made.status_code == 201, made.text
    cid = str(made.json()["id"])
    sent = await suite.http["conversation"].post(
        f"/v1/conversations/{cid}/messages", json={"content": text}, headers=me(user)
    )
    assert sent.status_code == 201, sent.text
    return cid


async def test_one_message_through_every_consumer_stays_in_the_users_database(
    infra: Infra, own_mongo: OwnServer, suite: Suite
) -> None:
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    runtimes = {name: app.state.runtime for name, app in suite.apps.items()}
    await announce_own_route(runtimes["conversation"], own_mongo, ana)

    async def routed_everywhere() -> bool:
        return all(r.routes.route_of(ana) is not None for r in runtimes.values())

    await eventually(routed_everywhere, 30, "her route known to every service")
    conversations = {}
    for user in (ana, bo):
        conversations[user] = await said(suite, user, "remind me to call mom tomorrow at 6pm")

    for user in (ana, bo):

        async def reminded(user: str = user) -> bool:
            answer = await suite.http["scheduler"].get("/v1/reminders", headers=me(user))
            return answer.status_code == 200 and bool(answer.json()["items"])

        async def confirmed(user: str = user) -> bool:
            answer = await suite.http["conversation"].get(
                f"/v1/conversations/{conversations[user]}/messages", headers=me(user)
            )
            items: list[dict[str, Any]] = answer.json()["items"] if answer.is_success else []
            return any(m.get("metadata", {}).get("proactive_type") for m in items)

        async def remembered(user: str = user) -> bool:
            answer = await suite.http["memory"].get("/v1/memories", headers=me(user))
            return answer.status_code == 200 and bool(answer.json()["items"])

        await eventually(reminded, 60, f"{user}'s reminder from the conversation")
        await eventually(confirmed, 60, f"the scheduler's confirmation posted to {user}")
        await eventually(remembered, 60, f"{user}'s turn remembered")
    await asyncio.sleep(1.0)  # the consumers that find nothing to write have had their turn

    for service in SERVICES:
        database = runtimes[service].settings.mongo_database
        assert await nothing_of_on_main(infra.mongo_uri, database, service, ana) == {}, service
    for service in ("conversation", "memory", "scheduler"):
        database = runtimes[service].settings.mongo_database
        assert await nothing_of_on_main(infra.mongo_uri, database, service, bo) != {}, service
    own = create_mongo_client(own_mongo.uri)
    try:
        mine = own["own_" + ana.replace("-", "_")]
        for name in ("messages", "reminders", "memories"):
            assert await mine[name].count_documents({"user_id": ana}) >= 1, name
            assert await mine[name].count_documents({"user_id": bo}) == 0, name
    finally:
        await own.close()
