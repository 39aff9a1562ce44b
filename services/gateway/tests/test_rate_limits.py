"""Token buckets: per user, per client address, and a strict one on the public auth routes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from muninn_devstack.servers import free_port
from muninn_gateway.ratelimit.buckets import BucketPolicy, TokenBuckets
from muninn_gateway.ratelimit.stores import FallbackStore, LoginBackoff, MemoryStore, MongoStore
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

WRONG_PASSWORD = "wrong password"  # the one password the fake identity refuses (conftest.py)

Problem = Callable[[httpx.Response, int], dict[str, Any]]
Bearer = Callable[..., dict[str, str]]


def assert_limited(response: httpx.Response, problem_of: Problem, limit: int) -> None:
    problem_of(response, 429)
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"


async def test_each_user_has_a_bucket(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    async with make_gateway(rate_limit_user_burst=3, rate_limit_user_per_minute=1) as gateway:
        remaining = []
        for _ in range(3):
            response = await gateway.get("/v1/conversations/c1", headers=bearer("alice"))
            assert response.status_code == 200
            remaining.append(response.headers["ratelimit-remaining"])
        assert remaining == ["2", "1", "0"]
        limited = await gateway.get("/v1/conversations/c1", headers=bearer("alice"))
        assert_limited(limited, problem_of, 3)
        assert int(limited.headers["retry-after"]) == 60
        other = await gateway.get("/v1/conversations/c1", headers=bearer("bob"))
        assert other.status_code == 200, "another user is not affected"


async def test_login_attempts_are_slowed_per_address(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    async with make_gateway(rate_limit_public_burst=2, rate_limit_public_per_minute=6) as gateway:
        for _ in range(2):
            ok = await gateway.post("/v1/auth/login", json={"email": "a@b.c", "password": "x"})
            assert ok.status_code == 200
        limited = await gateway.post("/v1/auth/register", json={})
        assert_limited(limited, problem_of, 2)
        assert int(limited.headers["retry-after"]) == 10
        signed_in = await gateway.get("/v1/me", headers=bearer())
        assert signed_in.status_code == 200, "signed-in calls draw from other buckets"


async def test_each_client_address_has_a_bucket(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    async with make_gateway(rate_limit_ip_burst=2, rate_limit_ip_per_minute=1) as gateway:
        assert (await gateway.get("/v1/me")).status_code == 401
        assert (await gateway.get("/v1/me", headers=bearer())).status_code == 200
        assert_limited(await gateway.get("/v1/me", headers=bearer("someone")), problem_of, 2)
        assert (await gateway.get("/healthz")).status_code == 200, "probes are never limited"


async def test_limits_can_be_switched_off(make_gateway: Any, bearer: Bearer) -> None:
    async with make_gateway(rate_limit_enabled=False, rate_limit_user_burst=1) as gateway:
        for _ in range(3):
            response = await gateway.get("/v1/me", headers=bearer())
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers


def test_bucket_refills_at_its_rate_and_forgets_old_keys() -> None:
    now = [0.0]
    buckets = TokenBuckets(
        BucketPolicy.per_minute("t", rate=60, burst=2), max_keys=2, clock=lambda: now[0]
    )
    assert buckets.take("a").allowed
    assert buckets.take("a").allowed
    refused = buckets.take("a")
    assert not refused.allowed
    assert refused.retry_after == 1
    now[0] += 0.5
    assert not buckets.take("a").allowed
    now[0] += 0.5
    assert buckets.take("a").allowed
    now[0] += 100
    full = buckets.take("a")
    assert full.remaining == 1, "never more than the burst"
    buckets.take("b")
    buckets.take("c")
    assert len(buckets) == 2


async def test_a_forwarded_for_from_an_untrusted_peer_is_ignored(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    async with make_gateway(rate_limit_ip_burst=1, rate_limit_ip_per_minute=1) as gateway:
        first = await gateway.get("/v1/me", headers={**bearer(), "X-Forwarded-For": "203.0.113.1"})
        assert first.status_code == 200
        assert first.json()["headers"]["x-forwarded-for"] == "127.0.0.1"
        spoofed = await gateway.get(
            "/v1/me", headers={**bearer(), "X-Forwarded-For": "203.0.113.2"}
        )
        assert_limited(spoofed, problem_of, 1)


async def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    proxies = ["127.0.0.0/8", "10.0.0.0/8"]
    async with make_gateway(
        trusted_proxies=proxies, rate_limit_ip_burst=1, rate_limit_ip_per_minute=1
    ) as gateway:

        async def from_chain(chain: str) -> httpx.Response:
            return await gateway.get("/v1/me", headers={**bearer(), "X-Forwarded-For": chain})

        first = await from_chain("198.51.100.7, 10.1.2.3")
        assert first.status_code == 200
        assert first.json()["headers"]["x-forwarded-for"] == "198.51.100.7"
        # What the client wrote itself (left of what the proxies appended) changes nothing.
        assert_limited(await from_chain("192.0.2.99, 198.51.100.7, 10.1.2.3"), problem_of, 1)
        assert (await from_chain("198.51.100.8, 10.1.2.3")).status_code == 200


async def test_ipv6_clients_are_limited_per_64(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    async with make_gateway(
        trusted_proxies=["127.0.0.1/32"], rate_limit_ip_burst=1, rate_limit_ip_per_minute=1
    ) as gateway:

        async def from_address(address: str) -> httpx.Response:
            return await gateway.get("/v1/me", headers={**bearer(), "X-Forwarded-For": address})

        assert (await from_address("2001:db8:1:2::1")).status_code == 200
        assert_limited(await from_address("2001:db8:1:2:ffff:ffff:ffff:9"), problem_of, 1)
        assert (await from_address("2001:db8:1:3::1")).status_code == 200


async def test_sign_ins_are_throttled_per_account_whatever_the_address(
    make_gateway: Any, problem_of: Problem
) -> None:
    async with make_gateway(
        trusted_proxies=["127.0.0.1/32"], login_backoff_base_seconds=0.05
    ) as gateway:
        addresses = (f"203.0.113.{n}" for n in range(1, 100))

        async def login(email: str, password: str) -> httpx.Response:
            return await gateway.post(
                "/v1/auth/login",
                json={"email": email, "password": password},
                headers={"X-Forwarded-For": next(addresses)},
            )

        problem_of(await login("victim@example.com", WRONG_PASSWORD), 401)
        throttled = await login(" Victim@Example.COM", WRONG_PASSWORD)
        body = problem_of(throttled, 429)
        assert body["type"].endswith("/login-throttled")
        assert throttled.headers["retry-after"] == "1"
        problem_of(await login("someone-else@example.com", WRONG_PASSWORD), 401)

        await asyncio.sleep(0.1)
        assert (await login("victim@example.com", "right")).status_code == 200
        # A success resets the account: the next failure is judged, not throttled.
        problem_of(await login("victim@example.com", WRONG_PASSWORD), 401)
        problem_of(await login("victim@example.com", WRONG_PASSWORD), 429)


async def test_sign_in_back_off_doubles_up_to_its_cap_and_is_forgotten() -> None:
    now = [0.0]
    backoff = LoginBackoff(base_seconds=1, cap_seconds=8, hold_seconds=30, forget_seconds=600)
    store = MemoryStore(backoff, max_keys=100, clock=lambda: now[0])
    assert await store.claim_login("a") is None
    assert await store.claim_login("a") == 1, "one attempt in flight per account"
    await store.settle_login("a", "failed")
    waits = []
    for _ in range(6):
        wait = await store.claim_login("a")
        assert wait is not None
        waits.append(wait)
        now[0] += wait
        assert await store.claim_login("a") is None
        await store.settle_login("a", "failed")
    assert waits == [1, 2, 4, 8, 8, 8], "an attacker holds an account to one try per cap"
    now[0] += 601
    assert await store.claim_login("a") is None
    await store.settle_login("a", "failed")
    assert await store.claim_login("a") == 1, "old failures are forgotten"
    now[0] += 1
    assert await store.claim_login("a") is None
    await store.settle_login("a", "undecided")
    assert await store.claim_login("a") is None, "an attempt identity did not judge costs nothing"


def _fallback_over_unreachable(
    shared: type[MongoStore], *, timeout_seconds: float
) -> tuple[AsyncMongoClient[dict[str, Any]], FallbackStore]:
    """A fallback store whose shared half points at a MongoDB port nobody listens on."""
    mongo = create_mongo_client(f"mongodb://127.0.0.1:{free_port()}/", timeout_ms=100)
    backoff = LoginBackoff(base_seconds=1, cap_seconds=8, hold_seconds=30, forget_seconds=600)
    db = mongo["unreachable"]
    store = FallbackStore(
        shared(db["w"], db["l"], backoff),
        MemoryStore(backoff, max_keys=100),
        timeout_seconds=timeout_seconds,
        cooldown_seconds=60,
    )
    return mongo, store


async def test_an_unreachable_shared_store_falls_back_to_local_buckets() -> None:
    mongo, store = _fallback_over_unreachable(MongoStore, timeout_seconds=5)
    policy = BucketPolicy.per_minute("t", rate=1, burst=2)
    try:
        decisions = [await store.take(policy, "k") for _ in range(3)]
        assert [d.allowed for d in decisions] == [True, True, False]
        assert await store.claim_login("a") is None
        assert await store.claim_login("a") is not None
    finally:
        await mongo.close()


async def test_a_shared_store_that_never_answers_falls_back_within_its_timeout() -> None:
    """A MongoDB port that accepts connections and never answers: the driver's own deadline
    ends the wait (the store never cancels a PyMongo operation), and the request goes on."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # hold the connection, answer nothing
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mongo = create_mongo_client(f"mongodb://127.0.0.1:{port}/?directConnection=true")
    backoff = LoginBackoff(base_seconds=1, cap_seconds=8, hold_seconds=30, forget_seconds=600)
    db = mongo["silent"]
    store = FallbackStore(
        MongoStore(db["w"], db["l"], backoff),
        MemoryStore(backoff, max_keys=100),
        timeout_seconds=0.2,
        cooldown_seconds=60,
    )
    try:
        decision = await asyncio.wait_for(
            store.take(BucketPolicy.per_minute("t", rate=1, burst=1), "k"), 5
        )
        assert decision.allowed
    finally:
        await mongo.close()
        server.close()
