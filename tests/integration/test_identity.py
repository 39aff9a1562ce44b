"""Identity against real MongoDB and Kafka protocols: auth, tokens, keys, preferences, audit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from argon2 import PasswordHasher
from muninn_identity.main import create_app
from muninn_identity.settings import IdentitySettings
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

PASSWORD = "correct horse battery staple"
IDENTITY = "http://identity"


@pytest.fixture
def settings(infra: Infra, unique: str) -> IdentitySettings:
    return IdentitySettings(
        **infra.service_fields(unique),
        argon2_time_cost=1,
        argon2_memory_cost_kib=8192,
        log_level="WARNING",
    )


@pytest.fixture
async def client(settings: IdentitySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with started(create_app(settings), IDENTITY) as http:
        yield http


async def register(client: httpx.AsyncClient, email: str, **extra: object) -> dict:
    response = await client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


async def test_register_login_me(client: httpx.AsyncClient) -> None:
    session = await register(client, "Ada@Example.com", name="Ada", timezone="Europe/Lisbon")
    assert session["user"]["email"] == "ada@example.com"
    assert session["user"]["preferences"]["timezone"] == "Europe/Lisbon"
    assert session["tokens"]["token_type"] == "bearer"

    login = await client.post(
        "/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    me = await client.get("/v1/me", headers=bearer(login.json()["tokens"]["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == session["user"]["id"]
    assert me.json()["last_login_at"] is not None


async def test_bad_credentials_and_input_change_nothing(
    client: httpx.AsyncClient, mongo: AsyncMongoClient, settings: IdentitySettings
) -> None:
    await register(client, "bob@example.com")
    users = mongo[settings.mongo_database].users

    assert_problem(
        await client.post(
            "/v1/auth/login", json={"email": "bob@example.com", "password": "nope-nope-nope"}
        ),
        401,
    )
    unknown = assert_problem(
        await client.post(
            "/v1/auth/login", json={"email": "who@example.com", "password": PASSWORD}
        ),
        401,
    )
    assert unknown["detail"] == "The email or password is incorrect."

    malformed = assert_problem(
        await client.post(
            "/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD}
        ),
        422,
    )
    assert any("email" in e["loc"] for e in malformed["errors"])
    assert_problem(
        await client.post(
            "/v1/auth/register", json={"email": "c@example.com", "password": "short"}
        ),
        422,
    )
    assert_problem(
        await client.post(
            "/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
        ),
        422,
    )
    duplicate = assert_problem(
        await client.post(
            "/v1/auth/register", json={"email": "BOB@example.com", "password": PASSWORD}
        ),
        409,
    )
    assert "already exists" in duplicate["detail"]
    assert await users.count_documents({}) == 1


async def test_tampered_and_expired_tokens(
    client: httpx.AsyncClient, settings: IdentitySettings
) -> None:
    session = await register(client, "eve@example.com")
    token = session["tokens"]["access_token"]
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}AAAA"
    assert assert_problem(await client.get("/v1/me", headers=bearer(tampered)), 401)[
        "type"
    ].endswith("invalid-token")

    claims = jwt.decode(token, options={"verify_signature": False})
    expired = identity_token_issuer().issue(
        claims["sub"], session_id=claims["sid"], issued_at=int(time.time()) - 100, ttl_seconds=90
    )
    assert assert_problem(await client.get("/v1/me", headers=bearer(expired)), 401)[
        "type"
    ].endswith("token-expired")

    forged = jwt.encode({**claims, "exp": int(time.time()) + 600}, "x" * 40, algorithm="HS256")
    assert_problem(await client.get("/v1/me", headers=bearer(forged)), 401)
    response = await client.get("/v1/me")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_refresh_rotation_and_reuse_revokes_family(client: httpx.AsyncClient) -> None:
    session = await register(client, "rita@example.com")
    first = session["tokens"]["refresh_token"]

    rotated = await client.post("/v1/auth/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    new_access = rotated.json()["access_token"]
    assert (await client.get("/v1/me", headers=bearer(new_access))).status_code == 200

    reuse = assert_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": first}), 401
    )
    assert reuse["type"].endswith("refresh-token-reused")
    # The whole family is gone: the legitimate newer token and its access token too.
    assert_problem(await client.post("/v1/auth/refresh", json={"refresh_token": second}), 401)
    assert assert_problem(await client.get("/v1/me", headers=bearer(new_access)), 401)[
        "type"
    ].endswith("session-revoked")

    audit = await client.post(
        "/v1/auth/login", json={"email": "rita@example.com", "password": PASSWORD}
    )
    log = await client.get(
        "/v1/me/audit-log", headers=bearer(audit.json()["tokens"]["access_token"])
    )
    actions = [entry["action"] for entry in log.json()["items"]]
    assert "auth.refresh_token_reuse_detected" in actions
    assert actions[0] == "auth.login_succeeded"


async def test_logout_ends_session(client: httpx.AsyncClient) -> None:
    tokens = (await register(client, "lou@example.com"))["tokens"]
    assert (
        await client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 204
    assert_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401
    )
    assert_problem(await client.get("/v1/me", headers=bearer(tokens["access_token"])), 401)


async def test_preferences_merge_patch_and_validation(client: httpx.AsyncClient) -> None:
    token = (await register(client, "pat@example.com"))["tokens"]["access_token"]
    patch = {
        "response_style": "detailed",
        "notifications": {"quiet_hours": {"enabled": True, "start": "23:00"}},
    }
    updated = await client.patch("/v1/me/preferences", json=patch, headers=bearer(token))
    assert updated.status_code == 200, updated.text
    prefs = updated.json()
    assert prefs["response_style"] == "detailed"
    assert prefs["notifications"]["quiet_hours"] == {
        "enabled": True,
        "start": "23:00",
        "end": "08:00",
    }
    assert prefs["notifications"]["proactive_messages"] is True

    for bad in (
        {"timezone": "Mars/Olympus"},
        {"voice_speed": 9},
        {"notifications": {"quiet_hours": {"start": "25:00"}}},
        {"unknown": 1},
    ):
        assert_problem(
            await client.patch("/v1/me/preferences", json=bad, headers=bearer(token)), 422
        )
    unchanged = await client.get("/v1/me/preferences", headers=bearer(token))
    assert unchanged.json() == prefs

    profile = await client.patch(
        "/v1/me",
        json={"assistant_name": "Muninn", "onboarding_completed": True},
        headers=bearer(token),
    )
    assert profile.json()["assistant_name"] == "Muninn"
    assert profile.json()["onboarding_completed"] is True
    assert_problem(
        await client.patch(
            "/v1/me", json={"subscription_tier": "enterprise"}, headers=bearer(token)
        ),
        422,
    )


async def test_api_keys_shown_once_hashed_scoped_revocable(
    client: httpx.AsyncClient, mongo: AsyncMongoClient, settings: IdentitySettings
) -> None:
    token = (await register(client, "kim@example.com"))["tokens"]["access_token"]
    created = await client.post(
        "/v1/me/api-keys", json={"name": "laptop", "scopes": ["read"]}, headers=bearer(token)
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("mk_")
    stored = await mongo[settings.mongo_database].api_keys.find_one({"_id": created.json()["id"]})
    assert stored is not None
    assert key not in str(stored)

    listing = await client.get("/v1/me/api-keys", headers=bearer(token))
    assert [k["name"] for k in listing.json()["items"]] == ["laptop"]
    assert "key" not in listing.json()["items"][0]

    grant = await client.post("/internal/api-keys/verify", json={"key": key})
    assert grant.status_code == 200
    assert grant.json()["scopes"] == ["read"]
    keyed = bearer(grant.json()["access_token"])
    assert (await client.get("/v1/me", headers=keyed)).status_code == 200
    assert_problem(await client.patch("/v1/me", json={"name": "x"}, headers=keyed), 403)

    other = (await register(client, "oz@example.com"))["tokens"]["access_token"]
    assert_problem(
        await client.delete(f"/v1/me/api-keys/{created.json()['id']}", headers=bearer(other)), 404
    )
    assert (
        await client.delete(f"/v1/me/api-keys/{created.json()['id']}", headers=bearer(token))
    ).status_code == 204
    assert_problem(await client.post("/internal/api-keys/verify", json={"key": key}), 401)
    assert_problem(await client.post("/internal/api-keys/verify", json={"key": "mk_made_up"}), 401)


async def test_presence(client: httpx.AsyncClient) -> None:
    token = (await register(client, "pia@example.com"))["tokens"]["access_token"]
    assert (await client.get("/v1/me/presence", headers=bearer(token))).json()["is_online"] is False
    online = await client.put(
        "/v1/me/presence",
        json={"is_online": True, "current_conversation_id": "c1"},
        headers=bearer(token),
    )
    assert online.json()["is_online"] is True
    assert (await client.get("/v1/me/presence", headers=bearer(token))).json()[
        "current_conversation_id"
    ] == "c1"


async def test_registration_event_goes_out_through_the_outbox(
    client: httpx.AsyncClient, infra: Infra, mongo: AsyncMongoClient, settings: IdentitySettings
) -> None:
    from aiokafka import AIOKafkaConsumer
    from muninn_shared.events import EventEnvelope, Topic

    user_id = (await register(client, "evt@example.com"))["user"]["id"]
    consumer = AIOKafkaConsumer(
        Topic.IDENTITY_USERS.value,
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    try:
        found = None
        deadline = time.monotonic() + 30
        while found is None and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = EventEnvelope.model_validate_json(record.value)
                    if event.subject == user_id and event.type == "identity.user.registered":
                        found = (event, record.key)
        assert found is not None, "identity.user.registered never reached Kafka"
        event, key = found
        assert key == user_id.encode()
        assert event.data["email"] == "evt@example.com"
        assert event.source == "identity"
    finally:
        await consumer.stop()
    assert await mongo[settings.mongo_database].outbox.count_documents({"user_id": user_id}) == 0


async def test_a_stuck_erasure_is_announced_again_until_every_service_confirms(
    infra: Infra, settings: IdentitySettings
) -> None:
    from aiokafka import AIOKafkaProducer

    impatient = settings.model_copy(
        update={
            "erasure_services": ["conversation", "memory"],
            "erasure_reannounce_after_seconds": 1.0,
            "erasure_check_interval_seconds": 0.2,
        }
    )
    app = create_app(impatient)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    try:
        await _erasure_is_announced_until_confirmed(app, infra, producer)
    finally:
        await producer.stop()


async def _erasure_is_announced_until_confirmed(app: Any, infra: Infra, producer: Any) -> None:
    from datetime import timedelta

    from muninn_shared.events import Topic, new_event

    from tests.integration.kafka_tools import collect

    async with started(app, IDENTITY) as http:
        registered = await register(http, "stuck@example.com")
        user_id = registered["user"]["id"]
        headers = bearer(registered["tokens"]["access_token"])
        erasure = (await http.delete("/v1/me", headers=headers)).json()

        async def confirm(service: str, deleted: dict[str, int] | None = None) -> None:
            event = new_event(
                "privacy.erasure.completed",
                source=service,
                subject=user_id,
                data={
                    "user_id": user_id,
                    "erasure_id": erasure["id"],
                    "service": service,
                    "deleted": deleted or {},
                },
            )
            await producer.send_and_wait(
                Topic.ERASURE_CONFIRMATIONS.value,
                event.model_dump_json().encode(),
                key=user_id.encode(),
            )

        def request_for(services: list[str]) -> Any:
            return lambda body: (
                body.get("type") == "identity.user.erasure_requested"
                and body["data"]["erasure_id"] == erasure["id"]
                and body["data"]["services"] == services
            )

        # Nobody confirms: announced again, to both services, under the same erasure id.
        both = await collect(
            infra.kafka_bootstrap,
            Topic.IDENTITY_USERS.value,
            request_for(["conversation", "memory"]),
            count=2,
        )
        assert len(both) == 2
        assert both[0]["id"] != both[1]["id"]
        await confirm("conversation")
        # From then on only the service still pending is asked again.
        only_memory = await collect(
            infra.kafka_bootstrap, Topic.IDENTITY_USERS.value, request_for(["memory"])
        )
        assert only_memory, "the pending service was never asked again"
        await confirm("memory", {"memories": 3})
        # A service asked again may confirm twice; the first confirmation is the one kept.
        await confirm("memory")
        deadline = time.monotonic() + 60
        status = (await http.get(erasure["status_url"], headers=headers)).json()
        while status.get("status") != "completed":
            assert time.monotonic() < deadline, status
            await asyncio.sleep(0.2)
            status = await app.state.services.privacy.status(user_id, erasure["id"])
            status = status.model_dump(mode="json")
        assert set(status["services"]) == {"conversation", "memory", "identity"}
        assert status["services"]["memory"]["deleted"] == {"memories": 3}
        assert await app.state.services.privacy.reannounce_stuck(timedelta(0)) == 0


async def test_a_sign_in_beyond_the_hashing_bound_gets_503_with_retry_after(
    settings: IdentitySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded = settings.model_copy(update={"argon2_max_concurrent": 1, "argon2_max_waiting": 0})
    async with started(create_app(bounded), IDENTITY) as client:
        await register(client, "slow@example.com")
        entered, release = threading.Event(), threading.Event()
        real_verify = PasswordHasher.verify

        def slow_verify(hasher: PasswordHasher, hash: str, password: str) -> bool:
            entered.set()
            assert release.wait(10), "the test never released the hasher"
            return real_verify(hasher, hash, password)

        monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
        credentials = {"email": "slow@example.com", "password": PASSWORD}
        first = asyncio.create_task(client.post("/v1/auth/login", json=credentials))
        assert await asyncio.to_thread(entered.wait, 10)
        second = await client.post("/v1/auth/login", json=credentials)
        assert_problem(second, 503)
        assert second.headers["retry-after"] == str(bounded.argon2_retry_after_seconds)
        release.set()
        assert (await first).status_code == 200
        assert (await client.post("/v1/auth/login", json=credentials)).status_code == 200


# -- the audit log: changes other services record ------------------------------------------


def audit_change(
    user_id: str,
    action: str,
    created_at: Any,
    *,
    entry_id: str | None = None,
    resource_type: str = "integration",
    resource_id: str = "c1",
    **values: Any,
) -> Any:
    """An ``integrations.audit.recorded`` event as the integrations service publishes it."""
    import uuid

    from muninn_shared.events import new_event

    return new_event(
        "integrations.audit.recorded",
        source="integrations",
        subject=user_id,
        data={
            "user_id": user_id,
            "entry_id": entry_id or uuid.uuid4().hex,
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "actor": {"kind": "user", "id": user_id},
            "ip_address": "203.0.113.9",
            "user_agent": "tests/1.0",
            "api_endpoint": f"PATCH /v1/integrations/connections/{resource_id}",
            "created_at": created_at,
            **values,
        },
    )


async def test_changes_recorded_by_integrations_join_the_audit_log_once(
    client: httpx.AsyncClient, infra: Infra, mongo: AsyncMongoClient, settings: IdentitySettings
) -> None:
    from datetime import UTC, datetime, timedelta

    from muninn_identity.audit.store import AUDIT, CHANGE_EXPIRY_INDEX
    from muninn_shared.events import Topic
    from muninn_shared.messaging.broker import create_broker, publish_event
    from muninn_shared.storage.idempotency import PROCESSED

    session = await register(client, "audited@example.com")
    user_id = session["user"]["id"]
    me = bearer(session["tokens"]["access_token"])
    db = mongo[settings.mongo_database]
    start = datetime.now(UTC) + timedelta(seconds=1)
    connect = audit_change(
        user_id, "connect", start, new_values={"provider": "caldav", "display_name": "Home"}
    )
    rename = audit_change(
        user_id,
        "update",
        start + timedelta(seconds=1),
        old_values={"display_name": "Home"},
        new_values={"display_name": "Work"},
    )
    # The same entry delivered again under another envelope (a producer retrying) is kept once.
    rename_again = audit_change(
        user_id,
        "update",
        start + timedelta(seconds=1),
        entry_id=rename.data["entry_id"],
        old_values={"display_name": "Home"},
        new_values={"display_name": "Overwritten"},
    )
    contact = audit_change(
        user_id,
        "create",
        start + timedelta(seconds=2),
        resource_type="contact",
        resource_id="k1",
        new_values={"display_name": "Ana"},
    )
    stranger = audit_change("no-such-user", "connect", start)

    broker = create_broker(infra.kafka_bootstrap, client_id="audit-test", tracer_provider=None)
    await broker.start()
    try:
        for event in (connect, rename, rename, rename_again, contact, stranger):
            await publish_event(broker, Topic.INTEGRATIONS_AUDIT.value, event)
    finally:
        await broker.stop()

    # One user's events are applied in order: once the last is in, the others were applied.
    deadline = time.monotonic() + 60
    while True:
        changes = await client.get(
            "/v1/me/audit-log", params={"resource_type": "contact"}, headers=me
        )
        assert changes.status_code == 200, changes.text
        if changes.json()["items"]:
            break
        assert time.monotonic() < deadline, "the change never reached the audit log"
        await asyncio.sleep(0.2)
    while not await db[PROCESSED].find_one({"event_id": str(stranger.id)}):
        assert time.monotonic() < deadline, "the unknown user's entry was never handled"
        await asyncio.sleep(0.2)

    everything = (await client.get("/v1/me/audit-log", headers=me)).json()["items"]
    changed = [e for e in everything if e["actor"] is not None]
    assert [(e["action"], e["resource_type"]) for e in changed] == [
        ("create", "contact"),
        ("update", "integration"),
        ("connect", "integration"),
    ]
    assert [e["id"] for e in changed] == [
        contact.data["entry_id"],
        rename.data["entry_id"],
        connect.data["entry_id"],
    ]
    # Security events stay beside them, as they were.
    security = [e for e in everything if e["actor"] is None]
    assert "user.registered" in [e["action"] for e in security]
    assert all(e["old_values"] is None and e["new_values"] is None for e in security)
    _, renamed, connected = changed
    assert renamed["old_values"] == {"display_name": "Home"}
    assert renamed["new_values"] == {"display_name": "Work"}
    assert renamed["actor"] == {"kind": "user", "id": user_id}
    assert renamed["ip_address"] == "203.0.113.9"
    assert renamed["user_agent"] == "tests/1.0"
    assert renamed["api_endpoint"] == "PATCH /v1/integrations/connections/c1"
    assert connected["old_values"] is None
    assert await db[AUDIT].count_documents({"user_id": user_id, "kind": "change"}) == 3
    assert await db[AUDIT].count_documents({"user_id": "no-such-user"}) == 0

    # Filters, each on its own and together, with cursor paging.
    async def page(**params: Any) -> dict:
        response = await client.get("/v1/me/audit-log", params=params, headers=me)
        assert response.status_code == 200, response.text
        body: dict = response.json()
        return body

    only_connections = await page(resource_type="integration")
    assert [e["action"] for e in only_connections["items"]] == ["update", "connect"]
    assert [e["action"] for e in (await page(action="connect"))["items"]] == ["connect"]
    assert [e["action"] for e in (await page(resource_id="k1"))["items"]] == ["create"]
    assert [e["action"] for e in (await page(action="user.registered"))["items"]] == [
        "user.registered"
    ]
    both = await page(resource_type="integration", action="update")
    assert [e["id"] for e in both["items"]] == [rename.data["entry_id"]]
    first = await page(resource_type="integration", limit=1)
    assert [e["action"] for e in first["items"]] == ["update"]
    assert first["next_cursor"]
    second = await page(resource_type="integration", limit=1, cursor=first["next_cursor"])
    assert [e["action"] for e in second["items"]] == ["connect"]
    assert second["next_cursor"] is None

    for bad in (
        {"resource_type": "Contact"},
        {"resource_type": "contact;drop"},
        {"action": "x" * 65},
        {"action": ""},
        {"resource_id": "a/b"},
        {"resource_id": "k" * 201},
    ):
        assert_problem(await client.get("/v1/me/audit-log", params=bad, headers=me), 422)

    # Change entries expire after the change retention; security entries do not.
    index = (await db[AUDIT].index_information())[CHANGE_EXPIRY_INDEX]
    assert index["expireAfterSeconds"] == settings.audit_change_retention_days * 86_400
    assert index["partialFilterExpression"] == {"kind": "change"}
    assert await db[AUDIT].count_documents({"user_id": user_id, "kind": {"$exists": False}}) >= 1
