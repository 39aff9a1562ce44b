"""Rate limits shared by gateway replicas through MongoDB: N per window across all of them."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from muninn_devstack.servers import free_port
from muninn_gateway.main import create_app
from muninn_gateway.ratelimit.buckets import BucketPolicy
from muninn_gateway.ratelimit.stores import LOGINS, WINDOWS, LoginBackoff, MongoStore
from muninn_gateway.settings import GatewaySettings
from muninn_shared.storage.mongo import create_mongo_client

from tests.integration.infra import Infra

LIMIT = 7
# Windows are capacity / rate long: at this rate one window lasts days, so the test never
# straddles two of them (checked below anyway).
PER_MINUTE = 0.001


def gateway_settings(infra: Infra, unique: str, **overrides: Any) -> GatewaySettings:
    closed = f"http://127.0.0.1:{free_port()}"
    values: dict[str, Any] = {
        "log_level": "WARNING",
        "mongo_uri": infra.mongo_uri,
        "kafka_bootstrap": infra.kafka_bootstrap,
        "mongo_database_prefix": f"muninn_it{unique}_",
        "rate_limit_store": "mongodb",
        "rate_limit_ip_burst": LIMIT,
        "rate_limit_ip_per_minute": PER_MINUTE,
        **{f"{name}_url": closed for name in ("identity", "conversation", "memory")},
        **{f"{name}_url": closed for name in ("scheduler", "integrations", "byod")},
    }
    values.update(overrides)
    return GatewaySettings(**values)


@pytest.fixture
async def two_gateways(infra: Infra, unique: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(2):
            app = create_app(gateway_settings(infra, unique))
            await stack.enter_async_context(LifespanManager(app))
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
                )
            )
        yield clients


async def test_a_limit_holds_across_two_gateways(two_gateways: list[httpx.AsyncClient]) -> None:
    window = LIMIT / (PER_MINUTE / 60)
    assert window - time.time() % window > 120, "not at the very end of a window"
    statuses = []
    for n in range(3 * LIMIT):
        gateway = two_gateways[n % 2]
        # An unrouted path: the per-address limit is taken before routing, nothing upstream.
        response = await gateway.get("/v1/no-such-resource")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) >= 1
    assert statuses.count(404) == LIMIT, statuses
    assert statuses[:LIMIT] == [404] * LIMIT
    assert set(statuses[LIMIT:]) == {429}


async def test_sign_in_back_off_is_shared_by_the_replicas(infra: Infra, unique: str) -> None:
    mongo = create_mongo_client(infra.mongo_uri)
    db = mongo[f"muninn_it{unique}_gateway"]
    now = [1_000_000.0]
    backoff = LoginBackoff(base_seconds=1, cap_seconds=8, hold_seconds=30, forget_seconds=3600)
    replicas = [MongoStore(db[WINDOWS], db[LOGINS], backoff, clock=lambda: now[0]) for _ in "ab"]
    await replicas[0].ensure_indexes()
    try:
        assert await replicas[0].claim_login("acct") is None
        assert await replicas[1].claim_login("acct") == 1, "one attempt in flight per account"
        await replicas[0].settle_login("acct", "failed")
        waits = []
        for n in range(5):
            wait = await replicas[n % 2].claim_login("acct")
            assert wait is not None
            waits.append(math.ceil(wait))
            now[0] += wait
            assert await replicas[(n + 1) % 2].claim_login("acct") is None
            await replicas[(n + 1) % 2].settle_login("acct", "failed")
        assert waits == [1, 2, 4, 8, 8], "doubling up to the cap"
        now[0] += 8
        assert await replicas[0].claim_login("acct") is None
        await replicas[0].settle_login("acct", "succeeded")
        assert await replicas[1].claim_login("acct") is None, "a success resets the account"
        assert await replicas[1].claim_login("other") is None

        policy = BucketPolicy.per_minute("t", rate=60, burst=2)
        decisions = [await replicas[n % 2].take(policy, "k") for n in range(3)]
        assert [d.allowed for d in decisions] == [True, True, False]
        assert [d.remaining for d in decisions] == [1, 0, 0]
        now[0] += 2
        assert (await replicas[0].take(policy, "k")).allowed, "the next window starts afresh"
    finally:
        await mongo.close()
