"""A user's data moved hosted → own → hosted while they keep writing, end to end.

byod and the conversation service run in-process over the real Kafka and two MongoDB
servers (the main one, and the user's own). The user registers their database; byod deploys
the schema, copies their conversations there while a writer keeps creating more through the
conversation API, pauses their writes, catches up, checks counts and checksums, and switches
their route (``byod.routing.changed`` through Kafka). After the grace period the hosted copy
goes. Then they disconnect: the same the other way, and the store is forgotten. Every
conversation the API accepted is found where the user's data lives at each stage; a hosted
user's are untouched throughout.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from muninn_byod.main import create_app as create_byod
from muninn_byod.settings import ByodSettings
from muninn_conversation.main import create_app as create_conversation
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

from tests.integration.byod.routing_support import OwnServer, routed_settings
from tests.integration.conversation_app import conversation_settings
from tests.integration.infra import Infra
from tests.integration.integrations.app_support import me, serving
from tests.integration.memory_support import eventually


@dataclass
class Pair:
    byod: httpx.AsyncClient
    conversation: httpx.AsyncClient
    byod_app: FastAPI
    conversation_app: FastAPI
    main: AsyncMongoClient[dict[str, Any]]
    prefix: str

    def hosted(self, service: str) -> Any:
        return self.main[f"{self.prefix}{service}"]


@pytest.fixture
async def pair(infra: Infra) -> AsyncIterator[Pair]:
    unique = uuid.uuid4().hex[:10]
    fields = infra.service_fields(unique)
    routed = routed_settings()
    byod_settings = ByodSettings(
        **fields,
        log_level="WARNING",
        encryption_keys=f"t1:{base64.urlsafe_b64encode(os.urandom(32)).decode()}",
        byod_route_keys=routed["byod_route_keys"],
        outbound_allow_cidrs=["127.0.0.0/8"],
        outbound_require_https=False,
        byod_check_timeout_seconds=3,
        # No background pass at all, not even the first one after start-up: a pass that
        # claimed a store while a test drove its own found nothing left to do (a CI failure).
        byod_background_start_delay_seconds=3600,
        byod_health_interval_seconds=3600,
        byod_provision_interval_seconds=3600,
        byod_move_interval_seconds=3600,  # the test runs each pass itself
        byod_switch_settle_seconds=1.5,
        byod_hosted_grace_hours=0,
        byod_move_batch_size=50,
        outbox_poll_interval_seconds=0.05,
    )
    conversation = conversation_settings(infra, unique).model_copy(update=routed)
    main = create_mongo_client(infra.mongo_uri)
    byod_app, conversation_app = create_byod(byod_settings), create_conversation(conversation)
    try:
        async with serving(byod_app) as byod_http, serving(conversation_app) as conversation_http:
            yield Pair(
                byod_http,
                conversation_http,
                byod_app,
                conversation_app,
                main,
                fields["mongo_database_prefix"],
            )
    finally:
        await main.close()


class Writer:
    """Creates conversations for a user as fast as the API takes them, retrying the 503s a
    switch answers with; remembers every one the API accepted."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self._http = http
        self._headers = headers
        self.accepted: list[str] = []
        self.paused_answers = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            answer = await self._http.post(
                "/v1/conversations", json={"title": f"note {n}"}, headers=self._headers
            )
            if answer.status_code == 201:
                self.accepted.append(answer.json()["id"])
            elif answer.status_code == 503:
                self.paused_answers += 1
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(answer.text)

    def stop(self) -> None:
        self._stop.set()


async def count(db: Any, user_id: str) -> int:
    return int(await db["conversations"].count_documents({"user_id": user_id}))


async def test_hosted_to_own_and_back_under_writes_loses_nothing(
    pair: Pair, own_mongo: OwnServer
) -> None:
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    database = "mine_" + ana.replace("-", "_")
    for user in (ana, bo):
        for n in range(120):  # content to copy before the move begins
            made = await pair.conversation.post(
                "/v1/conversations", json={"title": f"before {n}"}, headers=me(user)
            )
            assert made.status_code == 201, made.text
    registered = await pair.byod.post(
        "/v1/byod/stores",
        json={
            "mongo_uri": f"mongodb://127.0.0.1:{own_mongo.port}/{database}?directConnection=true"
        },
        headers=me(ana),
    )
    assert registered.status_code == 201, registered.text
    byod = pair.byod_app.state.services
    assert await byod.stores.provision_due() >= 1
    own: AsyncMongoClient[dict[str, Any]] = create_mongo_client(own_mongo.uri)
    hosted = pair.hosted("conversation")
    routes = pair.conversation_app.state.runtime.routes
    writer = Writer(pair.conversation, me(ana))
    writing = asyncio.create_task(writer.run())
    try:
        # Hosted → own, while she writes.
        await asyncio.sleep(0.3)
        assert await byod.moves.run_due() == 1
        move = (await pair.byod.get("/v1/byod/stores/current/move", headers=me(ana))).json()
        assert move["phase"] == "done", move
        assert move["direction"] == "to_own"
        assert all(check["equal"] for check in move["checks"]), move["checks"]
        store = (await pair.byod.get("/v1/byod/stores/current", headers=me(ana))).json()
        assert store["status"] == "active"

        async def routed_to_own() -> bool:
            route = routes.route_of(ana)
            return route is not None and route.store_id is not None and not route.writes_paused

        await eventually(routed_to_own, 30, "her route switched to her database")
        await asyncio.sleep(0.5)
        writer.stop()
        await writing
        assert writer.accepted, "she wrote while her data moved"
        assert writer.paused_answers, "and her writes waited while the route switched"
        mine = own[database]
        assert await count(mine, ana) == len(writer.accepted) + 120
        assert await count(mine, bo) == 0
        # The grace period (none here) over, the next pass deletes the hosted copy.
        await byod.moves.run_due()
        assert await count(hosted, ana) == 0
        assert await count(hosted, bo) == 120
        listed = await pair.conversation.get("/v1/conversations?limit=5", headers=me(ana))
        assert listed.status_code == 200, listed.text

        # Own → hosted, while she writes again.
        before_back = len(writer.accepted)
        writer = Writer(pair.conversation, me(ana))
        writing = asyncio.create_task(writer.run())
        await asyncio.sleep(0.3)
        leaving = await pair.byod.post("/v1/byod/stores/current/disconnect", headers=me(ana))
        assert leaving.status_code == 202, leaving.text
        assert await byod.moves.run_due() == 1

        async def routed_home() -> bool:
            return routes.route_of(ana) is None

        await eventually(routed_home, 30, "her route back on the hosted databases")
        await asyncio.sleep(0.5)
        writer.stop()
        await writing
        total = before_back + 120 + len(writer.accepted)
        assert await count(hosted, ana) == total
        assert await count(hosted, bo) == 120
        gone = await pair.byod.get("/v1/byod/stores/current", headers=me(ana))
        assert gone.status_code == 404, "the store and its credentials are forgotten"
        # Her database keeps its copy: it is hers.
        assert await count(mine, ana) >= before_back + 120
    finally:
        writer.stop()
        with contextlib.suppress(Exception):
            await writing
        await own.close()
