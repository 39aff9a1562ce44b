"""Integrations routed: a BYOD user's hand-made contacts (and what follows from them) live in
their own database; a hosted user's on main; nothing of the BYOD user is left on main."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from muninn_integrations.main import create_app
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

from tests.integration.byod.routing_support import (
    OwnServer,
    announce_own_route,
    nothing_of_on_main,
    routed_settings,
)
from tests.integration.infra import Infra
from tests.integration.integrations.app_support import ON_LOOPBACK, me, serving, settings_for


@pytest.fixture
async def integrations(infra: Infra) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    settings = settings_for(infra, uuid.uuid4().hex[:10], **ON_LOOPBACK, **routed_settings())
    app = create_app(settings)
    async with serving(app) as http:
        yield http, app


async def test_a_byod_users_contacts_live_in_their_database(
    infra: Infra, own_mongo: OwnServer, integrations: tuple[httpx.AsyncClient, FastAPI]
) -> None:
    http, app = integrations
    runtime = app.state.runtime
    ana, bo = "ana-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    database = await announce_own_route(runtime, own_mongo, ana)
    ids: dict[str, str] = {}
    for user in (ana, bo):
        made = await http.post(
            "/v1/contacts",
            json={"display_name": "Maren Solberg", "emails": [{"value": "maren@fjord.example"}]},
            headers=me(user),
        )
        assert made.status_code == 201, made.text
        ids[user] = made.json()["id"]
        edited = await http.patch(
            f"/v1/contacts/{ids[user]}", json={"company": "Fjordworks"}, headers=me(user)
        )
        assert edited.status_code == 200, edited.text
        listed = await http.get("/v1/contacts", headers=me(user))
        assert [c["id"] for c in listed.json()["items"]] == [ids[user]], user
    own: AsyncMongoClient[dict[str, Any]] = create_mongo_client(own_mongo.uri)
    try:
        assert await own[database]["contacts"].count_documents({"user_id": ana}) == 1
        assert await own[database]["contacts"].count_documents({"user_id": bo}) == 0
    finally:
        await own.close()
    main_database = runtime.settings.mongo_database
    assert await nothing_of_on_main(infra.mongo_uri, main_database, "integrations", ana) == {}
    assert await nothing_of_on_main(infra.mongo_uri, main_database, "integrations", bo) != {}
    # The other user cannot reach hers, wherever it lives.
    foreign = await http.get(f"/v1/contacts/{ids[ana]}", headers=me(bo))
    assert foreign.status_code == 404
