"""Identity's revocations reach the gateway: the old access token is refused within a second."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.integration.e2e import assert_problem, bearer, register

REFUSAL_DEADLINE_SECONDS = 1.0


async def refused_within_a_second(
    client: httpx.AsyncClient, headers: dict[str, str], revoked_at: float
) -> None:
    while True:
        response = await client.get("/v1/conversations", headers=headers)
        if response.status_code == 401:
            assert response.json()["type"].endswith("session-revoked"), response.text
            return
        assert response.status_code == 200, response.text
        waited = time.monotonic() - revoked_at
        assert waited < REFUSAL_DEADLINE_SECONDS, f"still accepted {waited:.2f} s after revocation"
        await asyncio.sleep(0.02)


async def test_after_logout_the_access_token_is_refused_within_a_second(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client, "logout")
    other = await client.post(
        "/v1/auth/login", json={"email": user.email, "password": "correct horse battery staple"}
    )
    assert other.status_code == 200, other.text
    other_session = bearer(other.json()["tokens"]["access_token"])
    assert (await client.get("/v1/conversations", headers=user.headers)).status_code == 200

    logout = await client.post(
        "/v1/auth/logout", json={"refresh_token": user.refresh_token}, headers=user.headers
    )
    assert logout.status_code == 204, logout.text
    await refused_within_a_second(client, user.headers, time.monotonic())
    # the user's other session is not touched
    assert (await client.get("/v1/conversations", headers=other_session)).status_code == 200


async def test_refresh_token_reuse_kills_the_family_access_tokens_within_a_second(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client, "reuse")
    rotated = await client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert rotated.status_code == 200, rotated.text
    fresh = bearer(rotated.json()["access_token"])
    assert (await client.get("/v1/conversations", headers=fresh)).status_code == 200

    reused = await client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert_problem(reused, 401)
    revoked_at = time.monotonic()
    await refused_within_a_second(client, fresh, revoked_at)
    await refused_within_a_second(client, user.headers, revoked_at)


async def test_a_revoked_api_key_is_refused_within_a_second(client: httpx.AsyncClient) -> None:
    user = await register(client, "key-revoke")
    created = await client.post(
        "/v1/me/api-keys", json={"name": "laptop", "scopes": ["read"]}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}
    # exchanged once: the gateway now holds a cached grant for this key
    assert (await client.get("/v1/conversations", headers=key)).status_code == 200

    revoked = await client.delete(f"/v1/me/api-keys/{created.json()['id']}", headers=user.headers)
    assert revoked.status_code == 204, revoked.text
    await refused_within_a_second(client, key, time.monotonic())
