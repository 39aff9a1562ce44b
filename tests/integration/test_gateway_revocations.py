"""Revoked access tokens are refused by every gateway replica within a second (real broker)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from muninn_gateway.main import create_app
from muninn_gateway.settings import GatewaySettings
from muninn_shared.events import new_event
from muninn_shared.events.catalogue import Topic
from muninn_shared.events.payloads import SessionRevoked
from muninn_shared.messaging.broker import create_broker, ensure_topics, publish_event

from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer
from tests.loopback import serving

REFUSAL_DEADLINE_SECONDS = 1.0


@pytest.fixture(scope="module")
async def identity_url() -> AsyncIterator[str]:
    """An upstream that answers /v1/me, so an accepted token shows as 200."""
    app = FastAPI()

    @app.get("/v1/me")
    async def me() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/v1/me/erasure/{erasure_id}")
    async def erasure(erasure_id: str) -> dict[str, str]:
        return {"id": erasure_id, "status": "in_progress"}

    async with serving(app) as url:
        yield url


GatewayFactory = Callable[[], contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_gateway(infra: Infra, identity_url: str, unique: str) -> GatewayFactory:
    @contextlib.asynccontextmanager
    async def make() -> AsyncIterator[httpx.AsyncClient]:
        settings = GatewaySettings(
            kafka_bootstrap=infra.kafka_bootstrap,
            kafka_client_prefix=f"it{unique}",
            identity_url=identity_url,
            readiness_upstreams=["identity"],
            log_level="WARNING",
        )
        app = create_app(settings)
        async with (
            LifespanManager(app, startup_timeout=60),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=10
            ) as http,
        ):
            yield http

    return make


@pytest.fixture
async def publish(infra: Infra) -> AsyncIterator[Callable[..., Any]]:
    await ensure_topics(infra.kafka_bootstrap)
    broker = create_broker(infra.kafka_bootstrap, client_id="it-identity", tracer_provider=None)
    await broker.start()

    async def revoke(user_id: str, source: str = "identity", **fields: Any) -> None:
        values: dict[str, Any] = {"reason": "logout", "revoked_at": datetime.now(UTC), **fields}
        payload = SessionRevoked(user_id=user_id, **values)
        event = new_event("identity.session.revoked", source=source, subject=user_id, data=payload)
        await publish_event(broker, Topic.IDENTITY_SESSIONS.value, event)

    yield revoke
    await broker.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refused_within_deadline(gateway: httpx.AsyncClient, token: str, published: float) -> None:
    while True:
        response = await gateway.get("/v1/me", headers=bearer(token))
        if response.status_code == 401:
            assert response.json()["type"].endswith("session-revoked"), response.text
            return
        assert response.status_code == 200, response.text
        assert time.monotonic() - published < REFUSAL_DEADLINE_SECONDS, "still accepted after 1 s"
        await asyncio.sleep(0.02)


async def test_every_replica_refuses_a_revoked_session_within_a_second(
    make_gateway: GatewayFactory, publish: Callable[..., Any], unique: str
) -> None:
    issuer = identity_token_issuer()
    user = f"user-{unique}"
    doomed = issuer.issue(user, session_id=f"s1-{unique}")
    other_session = issuer.issue(user, session_id=f"s2-{unique}")
    async with make_gateway() as first, make_gateway() as second:
        for gateway in (first, second):
            assert (await gateway.get("/v1/me", headers=bearer(doomed))).status_code == 200

        await publish(user, session_id=f"s1-{unique}")
        published = time.monotonic()
        await asyncio.gather(
            refused_within_deadline(first, doomed, published),
            refused_within_deadline(second, doomed, published),
        )
        for gateway in (first, second):
            assert (await gateway.get("/v1/me", headers=bearer(other_session))).status_code == 200


async def test_a_gateway_started_after_revocations_refuses_them_from_its_first_request(
    make_gateway: GatewayFactory, publish: Callable[..., Any], unique: str
) -> None:
    issuer = identity_token_issuer()
    logged_out = issuer.issue(f"a-{unique}", session_id=f"s-{unique}")
    erased = issuer.issue(f"b-{unique}", session_id=f"t-{unique}")
    by_revoked_key = issuer.issue(f"c-{unique}", api_key_id=f"k-{unique}", scopes=("read",))
    kept = issuer.issue(f"d-{unique}", session_id=f"u-{unique}")
    # only identity revokes: the same event from another producer is not believed
    await publish(f"d-{unique}", source="memory", session_id=f"u-{unique}")
    await publish(f"a-{unique}", session_id=f"s-{unique}")
    await publish(f"b-{unique}", reason="erasure", all_sessions_before=datetime.now(UTC))
    await publish(f"c-{unique}", reason="api_key_revoked", api_key_id=f"k-{unique}")

    async with make_gateway() as gateway:
        for token in (logged_out, erased, by_revoked_key):
            response = await gateway.get("/v1/me", headers=bearer(token))
            assert response.status_code == 401, response.text
            assert response.json()["type"].endswith("session-revoked")
        assert (await gateway.get("/v1/me", headers=bearer(kept))).status_code == 200
        # the erased user may still follow the erasure's progress, and do nothing else
        progress = await gateway.get("/v1/me/erasure/e1", headers=bearer(erased))
        assert progress.status_code == 200, progress.text
        for method in ("POST", "DELETE"):
            response = await gateway.request(method, "/v1/me/erasure/e1", headers=bearer(erased))
            assert response.status_code == 401, response.text
        ready = await gateway.get("/readyz")
        assert ready.json()["checks"]["revocations"] == "ok", ready.text
