"""Registering a user's own database against two real MongoDB-protocol servers: the main one
the service keeps its records in, and the user's own (the packaged server started again).

secantusdb answers ``hello`` as a one-member replica set, reports MongoDB 8.2.11 in
``buildInfo``, signs users in with SCRAM-SHA-256 and lists their roles in
``connectionStatus`` (never privileges), and does not enforce access control: it also
accepts sessions with no user at all.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from muninn_byod.main import create_app
from muninn_byod.settings import ByodSettings
from muninn_devstack.servers import free_port, running_mongo, start_mongo
from muninn_shared.content_schema import (
    SCHEMA_COLLECTION,
    SCHEMA_VERSION,
    deploy,
    recorded_version,
    user_database_collections,
)
from muninn_shared.events import Topic
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.vault.store import VAULT
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.integrations.app_support import me, serving
from tests.integration.memory_support import eventually, publish_all

STORES = "/v1/byod/stores"
PASSWORD = "own-db-pass-5c1e"
ROOT_PASSWORD = "root-pass-77aa"


@dataclass(frozen=True)
class UserServer:
    port: int

    def uri(self, userinfo: str = "", database: str = "notes", query: str = "") -> str:
        at = f"{userinfo}@" if userinfo else ""
        return f"mongodb://{at}127.0.0.1:{self.port}/{database}?directConnection=true{query}"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserServer]:
    with running_mongo(tmp_path_factory.mktemp("own-mongo")) as uri:
        yield UserServer(int(uri.rsplit(":", 1)[1].split("/")[0]))


@pytest.fixture(scope="module")
async def own_accounts(own_server: UserServer) -> UserServer:
    """A least-privilege user (readWrite and dbAdmin on its database) and a root."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(own_server.uri())
    try:
        await client.notes.command(
            {
                "createUser": "ana",
                "pwd": PASSWORD,
                "roles": [{"role": "readWrite", "db": "notes"}, {"role": "dbAdmin", "db": "notes"}],
            }
        )
        await client.admin.command(
            {"createUser": "root", "pwd": ROOT_PASSWORD, "roles": [{"role": "root", "db": "admin"}]}
        )
    finally:
        await client.close()
    return own_server


@dataclass
class Running:
    http: httpx.AsyncClient
    app: FastAPI
    db: AsyncDatabase[dict[str, Any]]


@pytest.fixture(scope="module")
async def byod(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    unique = uuid.uuid4().hex[:10]
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings = ByodSettings(
        **infra.service_fields(unique),
        log_level="WARNING",
        encryption_keys=f"t1:{key}",
        # The test servers listen on loopback: allow-listed as an operator would a LAN.
        outbound_allow_cidrs=["127.0.0.0/8"],
        outbound_require_https=False,
        byod_check_timeout_seconds=3,
        # No background pass at all, not even the first one after start-up: a pass that
        # claimed a store while a test drove its own found nothing left to do (a CI failure).
        byod_background_start_delay_seconds=3600,
        byod_health_interval_seconds=3600,
        # The tests run each provisioning pass themselves, and no move may start the copy of
        # a deployed store while a test reads its status.
        byod_provision_interval_seconds=3600,
        byod_move_interval_seconds=3600,
    )
    app = create_app(settings)
    client = create_mongo_client(infra.mongo_uri)
    try:
        async with serving(app) as http:
            yield Running(http, app, client[settings.mongo_database])
    finally:
        await client.close()


async def register(run: Running, who: dict[str, str], **body: Any) -> httpx.Response:
    return await run.http.post(STORES, json=body, headers=who)


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/" + code), response.text


async def nothing_kept_for(run: Running, user_id: str) -> bool:
    return (
        await run.db["stores"].count_documents({"user_id": user_id}) == 0
        and await run.db[VAULT].count_documents({"user_id": user_id}) == 0
    )


def user() -> tuple[str, dict[str, str]]:
    user_id = "u-" + uuid.uuid4().hex[:12]
    return user_id, me(user_id)


async def test_the_users_own_server_is_registered_and_shown_without_secrets(
    byod: Running, own_accounts: UserServer
) -> None:
    ana, who = user()
    uri = own_accounts.uri(f"ana:{PASSWORD}")
    created = await register(byod, who, mongo_uri=uri)
    assert created.status_code == 201, created.text
    store = created.json()
    assert store["status"] == "provisioning"
    assert store["database"] == "notes"
    assert store["hosts"] == [f"127.0.0.1:{own_accounts.port}"]
    assert store["tls"] is False
    assert store["authenticated"] is True
    assert store["topology"] == "replica_set"
    assert store["server_version"] == "8.2.11"
    assert store["schema_version"] is None
    assert store["data_sizes"] is None
    assert store["last_health_check"] is None
    assert store["error"] is None
    assert any("roles" in note for note in store["notes"])

    shown = await byod.http.get(f"{STORES}/current", headers=who)
    assert shown.status_code == 200
    assert shown.json() == store
    for text in (created.text, shown.text):
        assert PASSWORD not in text
        assert "mongodb://" not in text

    # Sealed at rest: neither the password nor the URI is readable in the vault entry.
    entry = await byod.db[VAULT].find_one({"_id": store["id"], "user_id": ana})
    assert entry is not None
    assert PASSWORD.encode() not in repr(entry).encode()
    record = await byod.db["stores"].find_one({"user_id": ana})
    assert record is not None
    assert PASSWORD not in repr(record)

    again = await register(byod, who, mongo_uri=uri)
    assert_problem(again, 409, "store-already-registered")
    assert await byod.db["stores"].count_documents({"user_id": ana}) == 1

    _other, stranger = user()
    assert_problem(await byod.http.get(f"{STORES}/current", headers=stranger), 404, "not-found")
    assert_problem(await byod.http.delete(f"{STORES}/current", headers=stranger), 404, "not-found")


async def test_refusals_write_nothing(byod: Running, own_accounts: UserServer) -> None:
    closed_port = free_port()  # nothing listens there
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"mongo_uri": "mongodb://10.20.30.40:27017/notes"}, 422, "store-address-refused"),
        (
            {"mongo_uri": "mongodb://169.254.169.254:27017/notes?tls=true"},
            422,
            "store-address-refused",
        ),
        ({"mongo_uri": "postgres://127.0.0.1/notes"}, 422, "store-uri-invalid"),
        ({"mongo_uri": "mongodb://127.0.0.1:99999/notes"}, 422, "store-uri-invalid"),
        (
            {"mongo_uri": own_accounts.uri(query="&tlsCAFile=/etc/passwd")},
            422,
            "store-uri-option-refused",
        ),
        ({"mongo_uri": own_accounts.uri(database="")}, 422, "store-database-required"),
        ({"mongo_uri": own_accounts.uri(database="admin")}, 422, "store-database-invalid"),
        (
            {"mongo_uri": own_accounts.uri(f"ana:{PASSWORD}"), "database": "a.b"},
            422,
            "store-database-invalid",
        ),
        ({"mongo_uri": own_accounts.uri("ana:wrong")}, 422, "store-credentials-rejected"),
        (
            {"mongo_uri": own_accounts.uri(f"root:{ROOT_PASSWORD}", query="&authSource=admin")},
            422,
            "store-privileges-too-broad",
        ),
        (
            {
                "mongo_uri": own_accounts.uri(f"ana:{PASSWORD}"),
                "qdrant_url": "http://10.20.30.40:6333",
            },
            422,
            "qdrant-address-refused",
        ),
        ({"mongo_uri": own_accounts.uri(f"ana:{PASSWORD}"), "extra": 1}, 422, "validation-failed"),
    ]
    for body, status, code in cases:
        user_id, who = user()
        assert_problem(await register(byod, who, **body), status, code)
        assert await nothing_kept_for(byod, user_id), body

    user_id, who = user()
    started = time.monotonic()
    response = await register(
        byod, who, mongo_uri=f"mongodb://127.0.0.1:{closed_port}/notes?directConnection=true"
    )
    assert_problem(response, 422, "store-unreachable")
    assert time.monotonic() - started < 10  # bounded by the 3 s check timeout, never a hang
    assert await nothing_kept_for(byod, user_id)


async def test_a_development_server_without_credentials_is_accepted_and_forgotten(
    byod: Running, own_accounts: UserServer
) -> None:
    user_id, who = user()
    created = await register(byod, who, mongo_uri=own_accounts.uri(database="dev"))
    assert created.status_code == 201, created.text
    store = created.json()
    assert store["authenticated"] is False
    assert any("unauthenticated" in note for note in store["notes"])
    assert await byod.db[VAULT].count_documents({"_id": store["id"]}) == 1

    forgotten = await byod.http.delete(f"{STORES}/current", headers=who)
    assert forgotten.status_code == 204, forgotten.text
    assert await nothing_kept_for(byod, user_id)
    assert_problem(await byod.http.get(f"{STORES}/current", headers=who), 404, "not-found")
    # Forgotten, a store can be registered again.
    assert (
        await register(byod, who, mongo_uri=own_accounts.uri(database="dev"))
    ).status_code == 201


async def test_a_store_holding_data_is_not_forgotten_and_its_health_is_checked(
    byod: Running, own_accounts: UserServer
) -> None:
    user_id, who = user()
    created = await register(byod, who, mongo_uri=own_accounts.uri(f"ana:{PASSWORD}"))
    assert created.status_code == 201, created.text
    # The later steps (schema deploy, data copy) would move it on; here it is set directly.
    past = datetime.now(UTC) - timedelta(minutes=1)
    await byod.db["stores"].update_one(
        {"user_id": user_id}, {"$set": {"status": "active", "health_due_at": past}}
    )
    refused = await byod.http.delete(f"{STORES}/current", headers=who)
    assert_problem(refused, 409, "store-not-forgettable")
    assert await byod.db[VAULT].count_documents({"user_id": user_id}) == 1

    assert await byod.app.state.services.stores.check_health_due() >= 1
    store = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert store["status"] == "active"
    assert store["last_health_check"]["ok"] is True
    assert store["error"] is None
    assert store["data_sizes"]["objects"] >= 0
    # Pushed to the next interval: a second pass (this replica or another) leaves it alone.
    assert await byod.app.state.services.stores.check_health_due() == 0


async def test_erasure_forgets_the_store_and_its_credentials(
    infra: Infra, byod: Running, own_accounts: UserServer
) -> None:
    user_id, who = user()
    created = await register(byod, who, mongo_uri=own_accounts.uri(f"ana:{PASSWORD}"))
    assert created.status_code == 201, created.text
    await publish_all(infra, Topic.IDENTITY_USERS, [erasure_requested(user_id, "byod")])

    async def erased() -> bool:
        return await nothing_kept_for(byod, user_id)

    await eventually(erased, 60, "the store and its vault entry erased")


async def test_erasure_empties_the_own_database_of_what_muninn_wrote_there_only(
    infra: Infra, byod: Running, own_accounts: UserServer
) -> None:
    user_id, who = user()
    database = "erase_" + uuid.uuid4().hex[:8]
    created = await register(byod, who, mongo_uri=own_accounts.uri(database=database))
    assert created.status_code == 201, created.text
    assert await byod.app.state.services.stores.provision_due() >= 1
    own: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(own_accounts.uri())
    try:
        now = datetime.now(UTC)
        await own[database]["messages"].insert_one(
            {
                "user_id": user_id,
                "conversation_id": "c1",
                "role": "user",
                "content": "hello",
                "status": "complete",
                "created_at": now,
                "updated_at": now,
            }
        )
        # The user's own collection beside Muninn's: not ours to delete.
        await own[database]["my_recipes"].insert_one({"name": "bread"})
        await publish_all(infra, Topic.IDENTITY_USERS, [erasure_requested(user_id, "byod")])

        async def erased() -> bool:
            return await nothing_kept_for(byod, user_id)

        await eventually(erased, 60, "the store, its vault entry and its content erased")
        left = set(await own[database].list_collection_names())
        assert left == {"my_recipes"}, left
        assert await own[database]["my_recipes"].count_documents({}) == 1
    finally:
        await own.close()


async def test_a_store_whose_server_stops_turns_degraded_and_recovers(
    byod: Running, tmp_path: Path
) -> None:
    user_id, who = user()
    port = free_port()
    data = tmp_path / "mongo"
    server = start_mongo(data, port, tmp_path / "mongo.log")
    try:
        uri = f"mongodb://127.0.0.1:{port}/mine?directConnection=true"
        created = await register(byod, who, mongo_uri=uri)
        assert created.status_code == 201, created.text
        await byod.db["stores"].update_one({"user_id": user_id}, {"$set": {"status": "active"}})
    finally:
        server.stop()

    stores = byod.app.state.services.stores
    found = await stores.current(user_id)
    started = time.monotonic()
    await stores.check_health(user_id, found)
    assert time.monotonic() - started < 15  # the ping is bounded
    degraded = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert degraded["status"] == "degraded"
    assert degraded["last_health_check"]["ok"] is False
    assert degraded["error"]["code"] == "store-unreachable"

    server = start_mongo(data, port, tmp_path / "mongo-again.log")
    try:
        await stores.check_health(user_id, await stores.current(user_id))
    finally:
        server.stop()
    recovered = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert recovered["status"] == "active"
    assert recovered["error"] is None
    assert recovered["last_health_check"]["ok"] is True


async def test_the_schema_is_deployed_on_the_users_own_database_only(
    infra: Infra, byod: Running, own_accounts: UserServer
) -> None:
    _user_id, who = user()
    database = "prov_" + uuid.uuid4().hex[:8]
    created = await register(byod, who, mongo_uri=own_accounts.uri(database=database))
    assert created.status_code == 201, created.text
    assert created.json()["schema_version"] is None

    stores = byod.app.state.services.stores
    assert await stores.provision_due() >= 1
    shown = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert shown["status"] == "provisioning"
    assert shown["schema_version"] == SCHEMA_VERSION
    assert shown["schema_deployed_at"] is not None
    assert shown["error"] is None
    assert shown["data_sizes"]["objects"] >= 0
    assert any(
        note.startswith(f"Content schema version {SCHEMA_VERSION} deployed")
        for note in shown["notes"]
    )

    own: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(own_accounts.uri())
    main = create_mongo_client(infra.mongo_uri)
    try:
        assert await recorded_version(own[database]) == SCHEMA_VERSION
        names = set(await own[database].list_collection_names())
        expected = user_database_collections()
        assert {spec.stored_as for spec in expected} <= names
        for spec in expected:
            indexes = await own[database][spec.stored_as].index_information()
            assert {index.name for index in spec.indexes_until(SCHEMA_VERSION)} <= set(indexes)
        history = await own[database][SCHEMA_COLLECTION].find_one({"_id": "schema"})
        assert history is not None
        assert len(history["history"]) == 1
        assert database not in await main.list_database_names()

        # Deployed, the store is not claimed again; and deploying again changes nothing.
        assert await stores.provision_due() == 0
        assert not (await deploy(own[database])).changed
    finally:
        await own.close()
        await main.close()

    forgotten = await byod.http.delete(f"{STORES}/current", headers=who)
    assert forgotten.status_code == 204, forgotten.text


async def test_a_database_at_a_newer_schema_is_refused_and_tried_again_later(
    byod: Running, own_accounts: UserServer
) -> None:
    user_id, who = user()
    database = "newer_" + uuid.uuid4().hex[:8]
    own: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(own_accounts.uri())
    try:
        await own[database][SCHEMA_COLLECTION].insert_one({"_id": "schema", "version": 99})
        created = await register(byod, who, mongo_uri=own_accounts.uri(database=database))
        assert created.status_code == 201, created.text
        stores = byod.app.state.services.stores
        await stores.provision_due()
        shown = (await byod.http.get(f"{STORES}/current", headers=who)).json()
        assert shown["schema_version"] is None
        assert shown["error"]["code"] == "schema-too-new"
        assert shown["provision_attempts"] == 1
        assert datetime.fromisoformat(shown["next_attempt_at"]) > datetime.now(UTC)
        # Not due yet: a second pass leaves it alone.
        await stores.provision_due()
        again = (await byod.http.get(f"{STORES}/current", headers=who)).json()
        assert again["provision_attempts"] == 1

        # Set right by its owner and due again, it is provisioned.
        await own[database][SCHEMA_COLLECTION].delete_many({})
        await byod.db["stores"].update_one(
            {"user_id": user_id}, {"$set": {"next_attempt_at": datetime.now(UTC)}}
        )
        await stores.provision_due()
        fixed = (await byod.http.get(f"{STORES}/current", headers=who)).json()
        assert fixed["schema_version"] == SCHEMA_VERSION
        assert fixed["error"] is None
        assert fixed["provision_attempts"] == 0
    finally:
        await own.close()


async def test_a_stopped_server_is_provisioned_once_it_is_back(
    byod: Running, tmp_path: Path
) -> None:
    user_id, who = user()
    port = free_port()
    data = tmp_path / "mongo"
    server = start_mongo(data, port, tmp_path / "mongo.log")
    try:
        uri = f"mongodb://127.0.0.1:{port}/mine?directConnection=true"
        created = await register(byod, who, mongo_uri=uri)
        assert created.status_code == 201, created.text
    finally:
        server.stop()

    stores = byod.app.state.services.stores
    started = time.monotonic()
    await stores.provision_due()
    assert time.monotonic() - started < 30  # every wait on the user's server is bounded
    down = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert down["error"]["code"] == "store-unreachable"
    assert down["schema_version"] is None

    await byod.db["stores"].update_one(
        {"user_id": user_id}, {"$set": {"next_attempt_at": datetime.now(UTC)}}
    )
    server = start_mongo(data, port, tmp_path / "mongo-again.log")
    try:
        await stores.provision_due()
    finally:
        server.stop()
    back = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert back["schema_version"] == SCHEMA_VERSION
    assert back["error"] is None
