"""Routing: a BYOD user's content goes to their own database, everyone else's stays on main.

Two MongoDB-protocol servers (the packaged one started twice): the main one the services
run on, and user A's own. A's route is announced as byod announces it (a
``byod.routing.changed`` event with the connection sealed under the shared route key);
the conversation service then reads and writes A's content — and commits A's events to the
outbox — in A's database, while B stays on main. A's server killed: A gets a 503 naming the
store within the timeout, B carries on; restarted, A is served again.
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from muninn_conversation.main import create_app
from muninn_devstack.servers import ManagedProcess, free_port, mongo_uri, start_mongo
from muninn_shared.content_schema import deploy
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import ByodRoutingChanged
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.routes import OwnDatabase, seal_connection
from muninn_shared.vault.keyring import parse_key_ring
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from tests.integration.conversation_app import conversation_settings, running
from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.memory_support import eventually
from tests.integration.tokens import identity_token_issuer

ROUTE_KEYS = f"r1:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"
OWN_DATABASE = "ana_content"


@dataclass
class OwnServer:
    workdir: Path
    port: int
    process: ManagedProcess

    @property
    def uri(self) -> str:
        return mongo_uri(self.port)

    def kill(self) -> None:
        self.process.kill()

    def restart(self) -> None:
        self.process = start_mongo(self.workdir / "mongo", self.port, self.workdir / "mongo.log")


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    workdir = tmp_path_factory.mktemp("ana-mongo")
    port = free_port()
    server = OwnServer(workdir, port, start_mongo(workdir / "mongo", port, workdir / "mongo.log"))
    try:
        yield server
    finally:
        server.process.stop()


@dataclass
class Stack:
    http: httpx.AsyncClient
    main: AsyncMongoClient[dict[str, Any]]
    main_database: str
    own: AsyncMongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
async def stack(infra: Infra, own_server: OwnServer) -> AsyncIterator[Stack]:
    unique = uuid.uuid4().hex[:10]
    settings = conversation_settings(infra, unique).model_copy(
        update={
            "byod_route_keys": SecretStr(ROUTE_KEYS),
            "byod_route_refresh_seconds": 0.3,
            "byod_store_timeout_ms": 1500,
            "byod_outage_retry_seconds": 1.0,
        }
    )
    own = create_mongo_client(own_server.uri)
    main = create_mongo_client(infra.mongo_uri)
    await deploy(own[OWN_DATABASE])
    try:
        async with running(create_app(settings)) as http:
            yield Stack(http, main, settings.mongo_database, own)
    finally:
        await own.close()
        await main.close()


def as_user(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


async def route_to_own(stack: Stack, own_server: OwnServer, user_id: str) -> None:
    """Announce ``user_id``'s own database as byod does, and wait until the service uses it."""
    ring = parse_key_ring(ROUTE_KEYS)
    own = OwnDatabase(store_id=f"s-{user_id}", mongo_uri=own_server.uri, database=OWN_DATABASE)
    change = ByodRoutingChanged(
        user_id=user_id,
        version=1,
        placement="own",
        store_id=own.store_id,
        connection=seal_connection(ring, user_id, own),
    )
    runtime = stack.http.app.state.runtime  # type: ignore[attr-defined]
    event = new_event("byod.routing.changed", source="byod", subject=user_id, data=change)
    await runtime.publish(Topic.BYOD_ROUTING.value, event)

    async def routed() -> bool:
        return runtime.routes.route_of(user_id) is not None

    await eventually(routed, 30, f"{user_id}'s route")


async def test_own_content_goes_to_the_own_database_and_others_stay_on_main(
    stack: Stack, own_server: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    await route_to_own(stack, own_server, ana)
    ids: dict[str, str] = {}
    for user in (ana, bo):
        made = await stack.http.post(
            "/v1/conversations", json={"title": f"{user}'s plans"}, headers=as_user(user)
        )
        assert made.status_code == 201, made.text
        ids[user] = made.json()["id"]
        sent = await stack.http.post(
            f"/v1/conversations/{ids[user]}/messages",
            json={"content": "Remind me to water the ferns"},
            headers=as_user(user),
        )
        assert sent.status_code == 201, sent.text
        listed = await stack.http.get(
            f"/v1/conversations/{ids[user]}/messages", headers=as_user(user)
        )
        assert listed.status_code == 200, listed.text

    own_db = stack.own[OWN_DATABASE]
    main_db = stack.main[stack.main_database]
    for name in ("conversations", "messages"):
        assert await own_db[name].count_documents({"user_id": ana}) >= 1, name
        assert await own_db[name].count_documents({"user_id": bo}) == 0, name
        assert await main_db[name].count_documents({"user_id": ana}) == 0, name
        assert await main_db[name].count_documents({"user_id": bo}) >= 1, name
    # A's events committed beside A's content and were published from there.
    assert await main_db["outbox"].count_documents({"user_id": ana}) == 0

    async def own_outbox_drained() -> bool:
        return await own_db["conversation_outbox"].count_documents({"user_id": ana}) == 0

    await eventually(own_outbox_drained, 30, "the own outbox drained")
    # A's database is not a second home for the service's own bookkeeping.
    assert "outbox" not in await own_db.list_collection_names()
    # Each sees only their own conversation.
    mine = await stack.http.get("/v1/conversations", headers=as_user(ana))
    assert [c["id"] for c in mine.json()["items"]] == [ids[ana]]
    theirs = await stack.http.get(f"/v1/conversations/{ids[ana]}", headers=as_user(bo))
    assert theirs.status_code == 404


async def test_an_unreachable_own_database_fails_only_its_user_fast(
    stack: Stack, own_server: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    await route_to_own(stack, own_server, ana)
    own_server.kill()
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        down = await stack.http.get("/v1/conversations", headers=as_user(ana))
        took = loop.time() - started
        assert down.status_code == 503, down.text
        problem = down.json()
        assert problem["type"].endswith("own-store-unavailable")
        assert f"store s-{ana}" in problem["detail"]
        assert down.headers["content-type"].startswith("application/problem+json")
        assert took < 10, took  # the store timeout, not a hang
        # Known down: the next request fails at once, without waiting for a server again.
        again = await stack.http.post(
            "/v1/conversations", json={"title": "x"}, headers=as_user(ana)
        )
        assert again.status_code == 503
        fine = await stack.http.post(
            "/v1/conversations", json={"title": "still here"}, headers=as_user(bo)
        )
        assert fine.status_code == 201, fine.text
    finally:
        own_server.restart()

    async def served_again() -> bool:
        answer = await stack.http.get("/v1/conversations", headers=as_user(ana))
        return answer.status_code == 200

    await eventually(served_again, 60, "the own database served again", interval=0.5)


async def test_erasure_of_a_byod_user_empties_their_slice_and_forgets_the_route(
    stack: Stack, own_server: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    await route_to_own(stack, own_server, ana)
    for user in (ana, bo):
        made = await stack.http.post(
            "/v1/conversations", json={"title": "to forget"}, headers=as_user(user)
        )
        assert made.status_code == 201, made.text
    own_db = stack.own[OWN_DATABASE]
    assert await own_db["conversations"].count_documents({"user_id": ana}) == 1
    runtime = stack.http.app.state.runtime  # type: ignore[attr-defined]
    await runtime.publish(Topic.IDENTITY_USERS.value, erasure_requested(ana, "conversation"))

    async def erased() -> bool:
        return (
            await own_db["conversations"].count_documents({"user_id": ana}) == 0
            and runtime.routes.route_of(ana) is None
        )

    await eventually(erased, 30, "ana's conversations erased from her database")
    main_db = stack.main[stack.main_database]
    assert await main_db["byod_routes"].count_documents({"_id": ana}) == 0
    assert await main_db["conversations"].count_documents({"user_id": bo}) == 1
    # Her erasure's confirmation went out from her database's outbox.

    async def confirmed() -> bool:
        return await own_db["conversation_outbox"].count_documents({"user_id": ana}) == 0

    await eventually(confirmed, 30, "the erasure confirmation published")
