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
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from muninn_conversation.main import create_app
from muninn_shared.events import Topic, spec_for
from muninn_shared.storage.mongo import create_mongo_client
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient

from tests.integration.byod.routing_support import (
    OwnServer,
    announce_own_route,
    nothing_of_on_main,
    routed_settings,
)
from tests.integration.conversation_app import conversation_settings, running
from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.memory_support import eventually
from tests.integration.tokens import identity_token_issuer


@dataclass
class Stack:
    http: httpx.AsyncClient
    main: AsyncMongoClient[dict[str, Any]]
    main_database: str
    own: AsyncMongoClient[dict[str, Any]]
    main_uri: str
    kafka_bootstrap: str


@pytest.fixture(scope="module")
async def stack(infra: Infra, own_mongo: OwnServer) -> AsyncIterator[Stack]:
    unique = uuid.uuid4().hex[:10]
    settings = conversation_settings(infra, unique).model_copy(update=routed_settings())
    own = create_mongo_client(own_mongo.uri)
    main = create_mongo_client(infra.mongo_uri)
    try:
        async with running(create_app(settings)) as http:
            yield Stack(
                http, main, settings.mongo_database, own, infra.mongo_uri, infra.kafka_bootstrap
            )
    finally:
        await own.close()
        await main.close()


def as_user(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


async def route_to_own(stack: Stack, own_mongo: OwnServer, user_id: str) -> str:
    runtime = stack.http.app.state.runtime  # type: ignore[attr-defined]
    return await announce_own_route(runtime, own_mongo, user_id)


async def test_own_content_goes_to_the_own_database_and_others_stay_on_main(
    stack: Stack, own_mongo: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    database = await route_to_own(stack, own_mongo, ana)
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

    own_db = stack.own[database]
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
    assert await nothing_of_on_main(stack.main_uri, stack.main_database, "conversation", ana) == {}
    # Each sees only their own conversation.
    mine = await stack.http.get("/v1/conversations", headers=as_user(ana))
    assert [c["id"] for c in mine.json()["items"]] == [ids[ana]]
    theirs = await stack.http.get(f"/v1/conversations/{ids[ana]}", headers=as_user(bo))
    assert theirs.status_code == 404


async def test_an_unreachable_own_database_fails_only_its_user_fast(
    stack: Stack, own_mongo: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    await route_to_own(stack, own_mongo, ana)
    own_mongo.kill()
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
        own_mongo.restart()

    async def served_again() -> bool:
        answer = await stack.http.get("/v1/conversations", headers=as_user(ana))
        return answer.status_code == 200

    await eventually(served_again, 60, "the own database served again", interval=0.5)


async def test_erasure_of_a_byod_user_empties_their_slice_and_forgets_the_route(
    stack: Stack, own_mongo: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    database = await route_to_own(stack, own_mongo, ana)
    for user in (ana, bo):
        made = await stack.http.post(
            "/v1/conversations", json={"title": "to forget"}, headers=as_user(user)
        )
        assert made.status_code == 201, made.text
    own_db = stack.own[database]
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
    # Nothing of hers waits in her database's outbox, and her erasure's confirmation went
    # out from main's: the database Muninn no longer routes to holds nothing to send.
    assert await own_db["conversation_outbox"].count_documents({"user_id": ana}) == 0
    receipts = await collect(
        stack.kafka_bootstrap,
        spec_for("privacy.erasure.completed").topic.value,
        lambda b: b.get("subject") == ana and b.get("type") == "privacy.erasure.completed",
        timeout=60,
    )
    assert len(receipts) == 1, "the erasure is confirmed once"
    assert receipts[0]["data"]["service"] == "conversation"
    assert receipts[0]["data"]["deleted"].get("conversations") == 1


async def test_a_conversation_is_not_shared_across_stores(
    stack: Stack, own_mongo: OwnServer
) -> None:
    ana, bo = f"ana-{uuid.uuid4().hex[:8]}", f"bo-{uuid.uuid4().hex[:8]}"
    await route_to_own(stack, own_mongo, ana)
    made = await stack.http.post("/v1/conversations", json={"title": "ours"}, headers=as_user(ana))
    assert made.status_code == 201, made.text
    refused = await stack.http.post(
        f"/v1/conversations/{made.json()['id']}/participants",
        json={"user_id": bo},
        headers=as_user(ana),
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("sharing-across-stores")
    listed = await stack.http.get(
        f"/v1/conversations/{made.json()['id']}/participants", headers=as_user(ana)
    )
    assert [p["user_id"] for p in listed.json()] == [ana], "nothing was written"


async def test_a_byod_users_outbox_counts_in_the_outbox_gauges(
    stack: Stack, own_mongo: OwnServer
) -> None:
    ana = f"ana-{uuid.uuid4().hex[:8]}"
    database = await route_to_own(stack, own_mongo, ana)
    runtime = stack.http.app.state.runtime  # type: ignore[attr-defined]

    async def relayed() -> bool:
        return f"s-{ana}" in runtime.own_relays.stores

    await eventually(relayed, 30, "a relay for ana's database")
    await runtime.refresh_metrics()
    before = outbox_gauge("muninn_outbox_dead_letters")
    # A row no relay can publish (its envelope is no CloudEvent): set aside in her database.
    own_outbox = stack.own[database]["conversation_outbox"]
    await own_outbox.insert_one(
        {
            "event_id": uuid.uuid4().hex,
            "topic": Topic.CONVERSATION_MESSAGES.value,
            "user_id": ana,
            "envelope": {"type": "not.an.event"},
            "created_at": datetime.now(UTC),
            "published_at": None,
        }
    )

    async def counted() -> bool:
        await runtime.refresh_metrics()
        return outbox_gauge("muninn_outbox_dead_letters") == before + 1

    await eventually(counted, 30, "her dead letter in muninn_outbox_dead_letters")
    assert await stack.own[database]["conversation_outbox_dead_letters"].count_documents({}) >= 1
    assert (
        await stack.main[stack.main_database]["outbox_dead_letters"].count_documents(
            {"user_id": ana}
        )
        == 0
    )


def outbox_gauge(name: str) -> float:
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        for sample in family.samples:
            if sample.name == name and not sample.labels:
                return float(sample.value)
    raise AssertionError(f"{name} is not exported")
