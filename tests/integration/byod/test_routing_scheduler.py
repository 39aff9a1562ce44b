"""The scheduler routed: a BYOD user's reminders, timers and notifications live in their own
database and fire from there, beside a hosted user's on main, in one pass of the wheel."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_scheduler.clock import ManualClock
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

from tests.integration.byod.routing_support import (
    OwnServer,
    announce_own_route,
    nothing_of_on_main,
    routed_settings,
)
from tests.integration.infra import Infra
from tests.integration.scheduler.harness import (
    Scheduler,
    auth,
    fire_due,
    lisbon_user,
    running,
    scheduler_settings,
    start_clock,
)


@pytest.fixture
async def routed_scheduler(
    infra: Infra, own_mongo: OwnServer
) -> AsyncIterator[tuple[Scheduler, ManualClock, str]]:
    unique = uuid.uuid4().hex[:10]
    settings = scheduler_settings(infra, unique, **routed_settings())
    clock = start_clock()
    async with running(settings, clock) as pair:
        yield pair, clock, settings.mongo_database


async def test_reminders_of_a_byod_user_are_kept_and_fired_in_their_database(
    infra: Infra, own_mongo: OwnServer, routed_scheduler: tuple[Scheduler, ManualClock, str]
) -> None:
    (client, app), clock, main_database = routed_scheduler
    ana, bo = await lisbon_user(app), await lisbon_user(app)
    database = await announce_own_route(app.state.runtime, own_mongo, ana)
    settings = app.state.runtime.settings
    reminders: dict[str, str] = {}
    for user in (ana, bo):
        created = await client.post(
            "/v1/reminders",
            json={"title": f"Water the ferns ({user})", "local_time": "2026-06-10T18:00:00"},
            headers=auth(settings, user),
        )
        assert created.status_code == 201, created.text
        reminders[user] = created.json()["id"]

    clock.set(datetime(2026, 6, 10, 17, 0, tzinfo=UTC))
    fired = await fire_due(app) + await fire_due(app)
    assert fired >= 2, "both users' reminders fire, from both stores"

    own: AsyncMongoClient[dict[str, Any]] = create_mongo_client(own_mongo.uri)
    main: AsyncMongoClient[dict[str, Any]] = create_mongo_client(infra.mongo_uri)
    try:
        own_db, main_db = own[database], main[main_database]
        for name in ("reminders", "notifications"):
            assert await own_db[name].count_documents({"user_id": ana}) >= 1, name
            assert await own_db[name].count_documents({"user_id": bo}) == 0, name
            assert await main_db[name].count_documents({"user_id": ana}) == 0, name
            assert await main_db[name].count_documents({"user_id": bo}) >= 1, name
        assert await main_db["timers"].count_documents({"user_id": ana}) == 0
        assert await nothing_of_on_main(infra.mongo_uri, main_database, "scheduler", ana) == {}
    finally:
        await own.close()
        await main.close()

    for user in (ana, bo):
        reminder = await client.get(
            f"/v1/reminders/{reminders[user]}", headers=auth(settings, user)
        )
        assert reminder.json()["status"] == "fired", user
        inbox = (await client.get("/v1/notifications", headers=auth(settings, user))).json()
        assert [n["kind"] for n in inbox["items"]] == ["reminder"], user
