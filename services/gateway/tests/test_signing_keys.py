"""The gateway verifies with identity's published public keys only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from muninn_shared.signing import SigningKey, SigningKeyRing, TokenIssuer

Problem = Callable[[httpx.Response, int], dict[str, Any]]


def other_issuer(ring: SigningKeyRing) -> TokenIssuer:
    return TokenIssuer(ring, issuer="muninn", audience="muninn", ttl_seconds=300)


async def test_an_unknown_kid_is_fetched_once_and_a_new_key_then_verifies(
    make_gateway: Any, upstreams: Any, codec: TokenIssuer, problem_of: Problem
) -> None:
    state = upstreams.state
    original = state.jwks
    async with make_gateway(jwks_min_refetch_seconds=3600) as gateway:
        before = state.jwks_fetches
        ok = await gateway.get("/v1/me", headers={"Authorization": f"Bearer {codec.issue('u')}"})
        assert ok.status_code == 200, ok.text
        assert state.jwks_fetches == before + 1

        rotated = codec.ring.with_key(SigningKey.generate())
        new_key = rotated.keys[-1]
        state.jwks = rotated.jwks()
        try:
            token = other_issuer(rotated.promoted(new_key.kid)).issue("u")
            for _ in range(20):
                response = await gateway.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text
            assert state.jwks_fetches == before + 2  # one refetch for the new kid

            stranger = other_issuer(SigningKeyRing.generate())
            for _ in range(20):
                response = await gateway.get(
                    "/v1/me", headers={"Authorization": f"Bearer {stranger.issue('u')}"}
                )
                problem_of(response, 401)
            assert state.jwks_fetches == before + 2  # made-up kids do not reach identity
        finally:
            state.jwks = original


async def test_the_gateway_serves_the_jwks_from_its_cache(
    make_gateway: Any, upstreams: Any, codec: TokenIssuer
) -> None:
    async with make_gateway() as gateway:
        response = await gateway.get("/.well-known/jwks.json")
        assert response.status_code == 200
        assert response.json() == codec.ring.jwks()
        assert all("d" not in key for key in response.json()["keys"])
        fetches = upstreams.state.jwks_fetches
        assert (await gateway.get("/.well-known/jwks.json")).json() == codec.ring.jwks()
        assert upstreams.state.jwks_fetches == fetches


async def test_no_keys_and_identity_unreachable_is_503(
    make_gateway: Any, upstreams: Any, codec: TokenIssuer, problem_of: Problem
) -> None:
    async with make_gateway(identity_url=upstreams.closed, jwks_url=None) as gateway:
        response = await gateway.get(
            "/v1/me", headers={"Authorization": f"Bearer {codec.issue('u')}"}
        )
        problem_of(response, 503)
        assert response.headers["retry-after"]
        problem_of(await gateway.get("/.well-known/jwks.json"), 503)
