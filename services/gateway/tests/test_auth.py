"""Credentials at the edge: JWTs verified, API keys exchanged once and cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from muninn_gateway.auth.api_keys import ApiKeyExchanger
from muninn_gateway.auth.cache import TtlCache
from muninn_shared.auth import StaticKeys, TokenVerifier
from muninn_shared.contracts.api_keys import ApiKeyGrant
from muninn_shared.problems import ProblemError
from muninn_shared.signing import SigningKeyRing, TokenIssuer

Problem = Callable[[httpx.Response, int], dict[str, Any]]
Bearer = Callable[..., dict[str, str]]

VALID_KEY = "mk_" + "k" * 43
KEY_USER = "user-with-key"


def assert_challenge(response: httpx.Response) -> None:
    assert response.headers["www-authenticate"].startswith('Bearer realm="muninn"')


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Token abc"},
        {"X-API-Key": ""},
    ],
)
async def test_missing_credentials_are_401(
    client: httpx.AsyncClient, problem_of: Problem, headers: dict[str, str]
) -> None:
    response = await client.get("/v1/me", headers=headers)
    problem_of(response, 401)
    assert_challenge(response)


async def test_tampered_expired_and_foreign_tokens_are_401(
    client: httpx.AsyncClient, codec: TokenIssuer, problem_of: Problem
) -> None:
    good = codec.issue("user-1")
    header, payload, signature = good.split(".")
    forged_claims = jwt.decode(good, options={"verify_signature": False}) | {"sub": "admin"}
    forged_payload = jwt.encode(forged_claims, "x" * 40, algorithm="HS256").split(".")[1]
    expired = codec.issue("user-1", issued_at=int(time.time()) - 600, ttl_seconds=540)
    other_key = TokenIssuer(
        SigningKeyRing.generate(), issuer="muninn", audience="muninn", ttl_seconds=60
    )
    signing = codec.ring.signing
    refresh_like = jwt.encode(
        jwt.decode(good, options={"verify_signature": False}) | {"typ": "refresh"},
        signing.private_key,
        algorithm="EdDSA",
        headers={"kid": signing.kid},
    )
    cases = {
        "tampered payload": f"{header}.{forged_payload}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-3]}abc",
        "expired": expired,
        "other key": other_key.issue("user-1"),
        "not an access token": refresh_like,
        "garbage": "not-a-jwt",
        "none algorithm": jwt.encode(forged_claims, None, algorithm="none"),
    }
    for name, token in cases.items():
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        body = problem_of(response, 401)
        assert_challenge(response)
        assert 'error="invalid_token"' in response.headers["www-authenticate"], name
        if name == "expired":
            assert body["type"].endswith("token-expired")
    ok = await client.get("/v1/me", headers={"Authorization": f"Bearer {good}"})
    assert ok.status_code == 200


async def test_public_routes_need_no_credential(client: httpx.AsyncClient) -> None:
    for path in ("/v1/auth/register", "/v1/auth/login", "/v1/auth/login/"):
        response = await client.post(path, json={})
        assert response.status_code in (200, 307), response.text
    for path in ("/healthz", "/openapi.json", "/docs"):
        assert (await client.get(path)).status_code == 200


async def test_other_auth_routes_still_need_a_token(
    client: httpx.AsyncClient, problem_of: Problem
) -> None:
    problem_of(await client.post("/v1/auth/logout"), 401)
    problem_of(await client.get("/v1/auth/login"), 401)


async def test_api_key_is_exchanged_once_and_the_jwt_forwarded(
    make_gateway: Any, upstreams: Any, codec: TokenIssuer, problem_of: Problem
) -> None:
    async with make_gateway() as gateway:
        before = upstreams.state.verify_calls
        first = await gateway.get("/v1/me", headers={"Authorization": f"Bearer {VALID_KEY}"})
        assert first.status_code == 200, first.text
        forwarded = first.json()["headers"]
        token = forwarded["authorization"].removeprefix("Bearer ")
        principal = await TokenVerifier(
            StaticKeys(codec.ring.jwks()), issuer="muninn", audience="muninn"
        ).verify(token)
        assert principal.user_id == KEY_USER
        assert principal.via_api_key == "key-1"
        assert VALID_KEY not in str(forwarded)

        second = await gateway.get("/v1/conversations/c1", headers={"X-API-Key": VALID_KEY})
        assert second.status_code == 200
        assert "x-api-key" not in second.json()["headers"]
        assert second.json()["headers"]["authorization"] == f"Bearer {token}"

        together = await asyncio.gather(
            *(gateway.get("/v1/me", headers={"X-API-Key": VALID_KEY}) for _ in range(5))
        )
        assert all(r.status_code == 200 for r in together)
        assert upstreams.state.verify_calls - before == 1, "one exchange, then the cache"

        bad = await gateway.get("/v1/me", headers={"X-API-Key": "mk_" + "n" * 43})
        problem_of(bad, 401)
        assert_challenge(bad)
        assert upstreams.state.verify_calls - before == 2
        problem_of(await gateway.get("/v1/me", headers={"X-API-Key": "not-a-key"}), 401)
        assert upstreams.state.verify_calls - before == 2, (
            "a key without the prefix is refused here"
        )


async def test_concurrent_first_uses_of_a_key_share_one_exchange(
    make_gateway: Any, upstreams: Any
) -> None:
    async with make_gateway() as gateway:
        before = upstreams.state.verify_calls
        responses = await asyncio.gather(
            *(gateway.get("/v1/me", headers={"X-API-Key": VALID_KEY}) for _ in range(8))
        )
        assert [r.status_code for r in responses] == [200] * 8
        assert upstreams.state.verify_calls - before == 1


async def test_identity_down_during_exchange_is_503(
    make_gateway: Any, upstreams: Any, codec: TokenIssuer, problem_of: Problem
) -> None:
    async with make_gateway(identity_url=upstreams.closed) as gateway:
        response = await gateway.get("/v1/conversations/c1", headers={"X-API-Key": VALID_KEY})
        problem_of(response, 503)
        assert response.headers["retry-after"] == "5"
        # A JWT needs no identity round trip (beyond reading its public keys).
        jwt_call = await gateway.get(
            "/v1/conversations/c1", headers={"Authorization": f"Bearer {codec.issue('u')}"}
        )
        assert jwt_call.status_code == 200


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_cached_grants_expire_before_their_token(upstreams: Any) -> None:
    clock = FakeClock()
    async with httpx.AsyncClient() as http:
        exchanger = ApiKeyExchanger(
            http,
            upstreams.identity,
            cache=TtlCache[ApiKeyGrant](10, clock=clock),
            cache_ttl_seconds=3600,
            timeout_seconds=3,
            retry_after_seconds=5,
        )
        before = upstreams.state.verify_calls
        await exchanger.exchange(VALID_KEY)
        clock.now += 149
        await exchanger.exchange(VALID_KEY)
        assert upstreams.state.verify_calls - before == 1
        clock.now += 2  # past half of the token's 300 s lifetime
        await exchanger.exchange(VALID_KEY)
        assert upstreams.state.verify_calls - before == 2
        with pytest.raises(ProblemError) as raised:
            await exchanger.exchange("mk_wrong")
        assert raised.value.status == 401


def test_ttl_cache_is_bounded_and_expires() -> None:
    clock = FakeClock()
    cache = TtlCache[str](2, clock=clock)
    cache.put("a", "1", 10)
    cache.put("b", "2", 10)
    assert cache.get("a") == "1"
    cache.put("c", "3", 10)
    assert cache.get("b") is None, "least recently used goes first"
    assert cache.get("a") == "1"
    assert len(cache) == 2
    clock.now += 10
    assert cache.get("a") is None
    cache.put("d", "4", 0)
    assert cache.get("d") is None


async def test_mem0_token_scheme_carries_api_keys_on_the_mem0_paths_only(
    make_gateway: Any, codec: TokenIssuer, problem_of: Problem
) -> None:
    async with make_gateway() as gateway:
        taken = await gateway.get("/mem0/v1/ping/", headers={"Authorization": f"Token {VALID_KEY}"})
        assert taken.status_code == 200, taken.text
        forwarded = taken.json()["headers"]["authorization"]
        assert forwarded.startswith("Bearer ")
        assert VALID_KEY not in forwarded
        # A JWT is never a mem0 token, and the Token scheme means nothing outside /mem0.
        jwt_as_token = await gateway.get(
            "/mem0/v1/ping/", headers={"Authorization": f"Token {codec.issue('user-1')}"}
        )
        assert "invalid-api-key" in str(problem_of(jwt_as_token, 401))
        outside = await gateway.get("/v1/me", headers={"Authorization": f"Token {VALID_KEY}"})
        problem_of(outside, 401)
