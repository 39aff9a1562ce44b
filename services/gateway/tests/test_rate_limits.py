"""Token buckets: per user, per client address, and a strict one on the public auth routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from muninn_gateway.ratelimit.buckets import BucketPolicy, TokenBuckets

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
