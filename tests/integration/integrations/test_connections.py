"""Connections through the real app, MongoDB and Kafka: connect, refuse, re-check, disconnect.

The protocol adapters are replaced by a scripted connector here: these tests are about what
the service does with what a source answers. Each adapter is tested against its real server
in its own module.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from muninn_integrations.connections.models import Provider
from muninn_integrations.connectors.port import (
    Collection,
    Connector,
    CredentialsRejectedError,
    RecordKind,
    SourceUnavailableError,
    SyncPage,
)
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint
from muninn_integrations.main import create_app
from muninn_shared.events import Topic
from muninn_shared.vault.store import VAULT
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import me, registry_of, serving, settings_for
from tests.integration.kafka_tools import collect

PASSWORD = "app-password-7f3c"
FEED_TOKEN = "private-feed-token-91ab"


@dataclass
class Source:
    """What the scripted server answers, and what it was asked."""

    password: str = PASSWORD
    down: bool = False
    seen: list[Endpoint] = field(default_factory=list)


class ScriptedConnector:
    def __init__(self, source: Source, endpoint: Endpoint) -> None:
        self._source = source
        self._endpoint = endpoint

    async def check(self) -> list[Collection]:
        self._source.seen.append(self._endpoint)
        if self._source.down:
            raise SourceUnavailableError("The calendar server is not answering.", retry_after=7)
        secret = self._endpoint.secret
        if self._endpoint.provider is not Provider.ICS and (
            secret is None or secret.get("password") != self._source.password
        ):
            raise CredentialsRejectedError("The server refused the user name or app password.")
        return [Collection(id="/cal/home/", name="Home", kind=RecordKind.CALENDAR_EVENT)]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[Any]:
        return SyncPage(changes=[], cursor=cursor or "")

    async def aclose(self) -> None:
        return None


def registry_for(source: Source) -> ConnectorRegistry:
    def opener(endpoint: Endpoint) -> Connector[Any]:
        return ScriptedConnector(source, endpoint)

    return registry_of(
        opener,
        [
            (Provider.CALDAV, RecordKind.CALENDAR_EVENT, "app_password", True),
            (Provider.ICS, RecordKind.CALENDAR_EVENT, "none", False),
        ],
    )


@dataclass
class Running:
    client: httpx.AsyncClient
    source: Source
    db: Any


@pytest.fixture
async def running(
    infra: Infra, unique: str, mongo: AsyncMongoClient[dict[str, Any]]
) -> AsyncIterator[Running]:
    settings = settings_for(
        infra,
        unique,
        sync_workers_enabled=False,
    )
    source = Source()
    app = create_app(settings, registry=registry_for(source))
    async with serving(app) as client:
        yield Running(client, source, mongo[settings.mongo_database])


def caldav(**overrides: Any) -> dict[str, Any]:
    return {
        "provider": "caldav",
        "server_url": "https://dav.example.org/remote.php/dav/",
        "username": "ana",
        "password": PASSWORD,
        **overrides,
    }


async def test_connecting_seals_the_password_and_never_shows_it(running: Running) -> None:
    ana = me(f"ana-{uuid.uuid4().hex[:6]}")
    created = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    assert created.status_code == 201, created.text
    connection = created.json()
    assert connection["status"] == "connected"
    assert connection["scopes"] == ["calendar_event:read", "calendar_event:write"]
    assert connection["collections"] == [
        {"id": "/cal/home/", "name": "Home", "kind": "calendar_event", "read_only": False}
    ]
    assert PASSWORD not in created.text

    listed = await running.client.get("/v1/integrations/connections", headers=ana)
    assert [c["id"] for c in listed.json()["items"]] == [connection["id"]]
    assert PASSWORD not in listed.text
    stored = await running.db["connections"].find_one({"_id": connection["id"]})
    assert stored is not None
    assert PASSWORD not in repr(stored)
    sealed = await running.db[VAULT].find_one({"_id": connection["id"]})
    assert sealed is not None
    assert PASSWORD.encode() not in sealed["secret_ciphertext"]

    # The same account again is a conflict, however its URL or name is capitalised.
    again = await running.client.post(
        "/v1/integrations/connections",
        json=caldav(server_url="https://DAV.example.org/remote.php/dav", username="ANA"),
        headers=ana,
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-connected")


async def test_refusals_are_problems_and_store_nothing(running: Running) -> None:
    ana = me(f"ana-{uuid.uuid4().hex[:6]}")
    cases = [
        (caldav(password="wrong"), 422, "credentials-rejected"),
        (caldav(password=None), 422, "credentials-required"),
        (caldav(server_url="ftp://dav.example.org/"), 422, "invalid-server-url"),
        (caldav(server_url="https://ana:pw@dav.example.org/"), 422, "invalid-server-url"),
        (caldav(provider="google"), 422, "provider-unavailable"),
    ]
    for body, status, code in cases:
        answer = await running.client.post("/v1/integrations/connections", json=body, headers=ana)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith(code)
        assert "pw@" not in answer.text
    running.source.down = True
    down = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    assert down.status_code == 502
    assert down.json()["type"].endswith("source-unavailable")
    assert down.headers["retry-after"] == "7"
    assert await running.db["connections"].count_documents({}) == 0
    assert await running.db[VAULT].count_documents({}) == 0


async def test_a_private_feed_address_is_kept_as_a_secret(running: Running) -> None:
    ana = me(f"ana-{uuid.uuid4().hex[:6]}")
    url = f"https://calendar.example.org/ical/{FEED_TOKEN}/basic.ics"
    created = await running.client.post(
        "/v1/integrations/connections", json={"provider": "ics", "server_url": url}, headers=ana
    )
    assert created.status_code == 201, created.text
    assert FEED_TOKEN not in created.text
    assert created.json()["server_url"] == "https://calendar.example.org/…"
    stored = await running.db["connections"].find_one({"_id": created.json()["id"]})
    assert FEED_TOKEN not in repr(stored)
    # A re-check still reaches the full, private address.
    checked = await running.client.post(
        f"/v1/integrations/connections/{created.json()['id']}/test", headers=ana
    )
    assert checked.status_code == 200
    assert running.source.seen[-1].server_url == url


async def test_another_users_connection_is_not_found_and_unchanged(running: Running) -> None:
    ana, bob = me(f"ana-{uuid.uuid4().hex[:6]}"), me(f"bob-{uuid.uuid4().hex[:6]}")
    created = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    connection_id = created.json()["id"]
    path = f"/v1/integrations/connections/{connection_id}"
    for method, extra in (
        ("GET", {}),
        ("PATCH", {"json": {"display_name": "mine now"}}),
        ("POST", {}),
        ("DELETE", {}),
    ):
        target = f"{path}/test" if method == "POST" else path
        answer = await running.client.request(method, target, headers=bob, **extra)
        assert answer.status_code == 404, (method, answer.text)
    mine = await running.client.get(path, headers=ana)
    assert mine.json()["display_name"] == "dav.example.org"
    assert await running.db[VAULT].count_documents({"_id": connection_id}) == 1


async def test_a_revoked_password_turns_the_connection_expired(running: Running) -> None:
    ana = me(f"ana-{uuid.uuid4().hex[:6]}")
    created = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    path = f"/v1/integrations/connections/{created.json()['id']}"
    running.source.password = "rotated-at-the-provider"
    refused = await running.client.post(f"{path}/test", headers=ana)
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("credentials-rejected")
    after = (await running.client.get(path, headers=ana)).json()
    assert after["status"] == "expired"
    assert after["error_message"] == "The server refused the user name or app password."


async def test_update_and_disconnect_destroys_the_secret(running: Running) -> None:
    ana = me(f"ana-{uuid.uuid4().hex[:6]}")
    created = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    connection_id = created.json()["id"]
    path = f"/v1/integrations/connections/{connection_id}"
    patched = await running.client.patch(
        path, json={"display_name": "Work calendar", "sync_frequency": "daily"}, headers=ana
    )
    assert patched.status_code == 200
    assert patched.json()["display_name"] == "Work calendar"
    assert patched.json()["sync_frequency"] == "daily"
    bad = await running.client.patch(path, json={"sync_frequency": "weekly"}, headers=ana)
    assert bad.status_code == 422
    unknown = await running.client.patch(path, json={"password": "x"}, headers=ana)
    assert unknown.status_code == 422

    gone = await running.client.delete(path, headers=ana)
    assert gone.status_code == 204
    assert (await running.client.get(path, headers=ana)).status_code == 404
    assert await running.db[VAULT].count_documents({"_id": connection_id}) == 0
    assert (await running.client.delete(path, headers=ana)).status_code == 404


async def test_sync_jobs_through_the_api(running: Running) -> None:
    ana, bob = me(f"ana-{uuid.uuid4().hex[:6]}"), me(f"bob-{uuid.uuid4().hex[:6]}")
    created = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    path = f"/v1/integrations/connections/{created.json()['id']}/sync"
    queued = await running.client.post(path, json={"full": True}, headers=ana)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert (job["job_type"], job["status"], job["trigger"]) == ("full_sync", "pending", "manual")
    again = await running.client.post(path, headers=ana)
    assert again.status_code == 200
    assert again.json()["id"] == job["id"]
    assert (await running.client.post(path, headers=bob)).status_code == 404

    listed = await running.client.get("/v1/integrations/jobs", headers=ana)
    assert [j["id"] for j in listed.json()["items"]] == [job["id"]]
    assert (await running.client.get("/v1/integrations/jobs", headers=bob)).json()["items"] == []
    job_path = f"/v1/integrations/jobs/{job['id']}"
    assert (await running.client.get(job_path, headers=bob)).status_code == 404
    assert (await running.client.post(f"{job_path}/cancel", headers=bob)).status_code == 404
    cancelled = await running.client.post(f"{job_path}/cancel", headers=ana)
    assert cancelled.json()["status"] == "cancelled"
    ended = await running.client.post(f"{job_path}/cancel", headers=ana)
    assert ended.status_code == 409
    retried = await running.client.post(f"{job_path}/retry", headers=ana)
    assert retried.status_code == 202
    assert retried.json()["trigger"] == "retry"
    bad = await running.client.get("/v1/integrations/jobs?limit=0", headers=ana)
    assert bad.status_code == 422


async def test_every_change_to_a_connection_is_in_the_audit_log(
    running: Running, infra: Infra
) -> None:
    """Each change leaves as one ``integrations.audit.recorded`` event for identity's audit
    log (``GET /v1/me/audit-log``): old and new values, actor, address, agent, endpoint."""
    ana_id = f"ana-{uuid.uuid4().hex[:6]}"
    ana = {**me(ana_id), "User-Agent": "muninn-tests/1.0"}
    created = await running.client.post("/v1/integrations/connections", json=caldav(), headers=ana)
    connection_id = created.json()["id"]
    renamed = await running.client.patch(
        f"/v1/integrations/connections/{connection_id}?note=secret-words",
        json={"display_name": "Work calendar"},
        headers=ana,
    )
    assert renamed.status_code == 200, renamed.text
    running.source.password = "rotated"
    expired = await running.client.post(
        f"/v1/integrations/connections/{connection_id}/test", headers=ana
    )
    assert expired.status_code == 422
    gone = await running.client.delete(f"/v1/integrations/connections/{connection_id}", headers=ana)
    assert gone.status_code == 204
    # A last change marks the end: everything before it has been published by then.
    feed = {"provider": "ics", "server_url": "https://calendar.example.org/basic.ics"}
    last = await running.client.post("/v1/integrations/connections", json=feed, headers=ana)
    assert last.status_code == 201, last.text

    published = await collect(
        infra.kafka_bootstrap,
        Topic.INTEGRATIONS_AUDIT.value,
        lambda body: body.get("subject") == ana_id,
        count=5,
    )
    # One user's events share a partition: they arrive in the order of the changes.
    assert [body["data"]["resource_id"] for body in published][-1] == last.json()["id"]
    entries = [body["data"] for body in published[:-1]]
    assert [(e["action"], e["resource_type"]) for e in entries] == [
        ("connect", "integration"),
        ("update", "integration"),
        ("update", "integration"),
        ("disconnect", "integration"),
    ]
    assert all(body["type"] == "integrations.audit.recorded" for body in published)
    assert all(body["source"] == "integrations" for body in published)
    assert all(e["user_id"] == ana_id for e in entries)
    assert all(e["resource_id"] == connection_id for e in entries)
    assert len({e["entry_id"] for e in entries}) == 4
    connect, rename, expiry, disconnect = entries
    assert rename["old_values"]["display_name"] == "dav.example.org"
    assert rename["new_values"] == {"display_name": "Work calendar"}
    assert expiry["new_values"]["status"] == "expired"
    assert expiry["old_values"]["status"] == "connected"
    assert connect["old_values"] is None
    assert connect["new_values"]["provider"] == "caldav"
    assert disconnect["new_values"] is None
    assert disconnect["old_values"]["username"] == "ana"
    for entry in entries:
        assert entry["actor"] == {"kind": "user", "id": ana_id}
        assert entry["ip_address"] == "127.0.0.1"
        assert entry["user_agent"] == "muninn-tests/1.0"
    assert rename["api_endpoint"] == f"PATCH /v1/integrations/connections/{connection_id}"
    assert disconnect["api_endpoint"] == f"DELETE /v1/integrations/connections/{connection_id}"
    text = json.dumps(entries)
    assert PASSWORD not in text
    assert "rotated" not in text
    assert "secret-words" not in text

    # The log is read from identity now; integrations keeps no copy and serves no route.
    assert (await running.client.get("/v1/me/audit-log", headers=ana)).status_code == 404
    assert "audit_logs" not in await running.db.list_collection_names()
