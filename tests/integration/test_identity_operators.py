"""Operators against real MongoDB: who gets the scope, what admin does not open, the list of
accounts (paged, filtered literally), and sign-up closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import jwt
import pytest
from muninn_identity.main import create_app
from muninn_identity.settings import IdentitySettings
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra

PASSWORD = "correct horse battery staple"
IDENTITY = "http://identity"
OPERATOR = "ops@example.com"


def identity_settings(infra: Infra, unique: str, **fields: Any) -> IdentitySettings:
    return IdentitySettings(
        **infra.service_fields(unique),
        argon2_time_cost=1,
        argon2_memory_cost_kib=8192,
        log_level="WARNING",
        **fields,
    )


def identity(settings: IdentitySettings) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    return started(create_app(settings), IDENTITY)


@pytest.fixture
def settings(infra: Infra, unique: str) -> IdentitySettings:
    # Listed in another case than the one the operator signs up with.
    return identity_settings(infra, unique, operator_emails="Ops@Example.com")


@pytest.fixture
async def client(settings: IdentitySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with identity(settings) as http:
        yield http


async def register(client: httpx.AsyncClient, email: str, **extra: object) -> dict[str, Any]:
    response = await client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()["tokens"]
    return tokens


def scopes_of(access_token: str) -> set[str]:
    claims = jwt.decode(access_token, options={"verify_signature": False})
    return set(str(claims["scope"]).split())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_operator_only(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/operator-only")


async def test_only_the_listed_accounts_sessions_are_operators(client: httpx.AsyncClient) -> None:
    signed_up = await register(client, "OPS@example.com", name="Olga")
    assert scopes_of(signed_up["tokens"]["access_token"]) == {"read", "write", "admin", "operator"}
    tokens = await login(client, OPERATOR)
    assert "operator" in scopes_of(tokens["access_token"])
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert "operator" in scopes_of(refreshed.json()["access_token"])

    user = await register(client, "ops@example.com.evil.org")
    assert scopes_of(user["tokens"]["access_token"]) == {"read", "write", "admin"}
    assert scopes_of((await login(client, "ops@example.com.evil.org"))["access_token"]) == {
        "read",
        "write",
        "admin",
    }

    listed = await client.get("/v1/admin/users", headers=bearer(tokens["access_token"]))
    assert listed.status_code == 200, listed.text
    by_email = {item["email"]: item for item in listed.json()["items"]}
    assert by_email[OPERATOR]["operator"] is True
    assert by_email[OPERATOR]["name"] == "Olga"
    assert by_email[OPERATOR]["status"] == "active"
    assert by_email[OPERATOR]["last_login_at"] is not None
    assert by_email["ops@example.com.evil.org"]["operator"] is False
    one = await client.get(
        f"/v1/admin/users/{user['user']['id']}", headers=bearer(tokens["access_token"])
    )
    assert one.status_code == 200, one.text
    assert one.json()["email"] == "ops@example.com.evil.org"
    missing = await client.get("/v1/admin/users/nobody", headers=bearer(tokens["access_token"]))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_admin_scope_and_api_keys_do_not_open_the_operator_routes(
    client: httpx.AsyncClient,
) -> None:
    session = (await register(client, "owner@example.com"))["tokens"]["access_token"]
    assert "admin" in scopes_of(session)
    assert_operator_only(await client.get("/v1/admin/users", headers=bearer(session)))
    assert_operator_only(await client.get("/v1/admin/users/anyone", headers=bearer(session)))

    # The operator's own API key, with every scope a key may hold, is not the operator.
    operator = (await register(client, OPERATOR))["tokens"]["access_token"]
    refused = await client.post(
        "/v1/me/api-keys",
        json={"name": "ops script", "scopes": ["read", "write", "admin", "operator"]},
        headers=bearer(operator),
    )
    assert refused.status_code == 422, refused.text
    created = await client.post(
        "/v1/me/api-keys",
        json={"name": "ops script", "scopes": ["read", "write", "admin"]},
        headers=bearer(operator),
    )
    assert created.status_code == 201, created.text
    grant = await client.post("/internal/api-keys/verify", json={"key": created.json()["key"]})
    assert grant.status_code == 200, grant.text
    assert "operator" not in grant.json()["scopes"]
    key_token = grant.json()["access_token"]
    assert "operator" not in scopes_of(key_token)
    assert_operator_only(await client.get("/v1/admin/users", headers=bearer(key_token)))


async def test_an_account_taken_off_the_list_stops_being_an_operator(
    infra: Infra, unique: str, settings: IdentitySettings
) -> None:
    async with identity(settings) as client:
        operator = (await register(client, OPERATOR))["tokens"]
    # The same accounts, served after a restart with an operator list that no longer names it.
    async with identity(identity_settings(infra, unique, operator_emails="")) as delisted:
        # Its token still says operator, but identity looks the list up again on every call.
        assert "operator" in scopes_of(operator["access_token"])
        assert_operator_only(
            await delisted.get("/v1/admin/users", headers=bearer(operator["access_token"]))
        )
        refreshed = await delisted.post(
            "/v1/auth/refresh", json={"refresh_token": operator["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        assert "operator" not in scopes_of(refreshed.json()["access_token"])


async def test_the_text_filter_is_literal_and_the_list_pages(
    client: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, Any]], settings: IdentitySettings
) -> None:
    operator = bearer((await register(client, OPERATOR))["tokens"]["access_token"])
    emails = ["a.b+c@example.com", "axb+c@example.com", "aab+c@example.com", "plain@example.com"]
    ids = {email: (await register(client, email))["user"]["id"] for email in emails}
    await register(client, "named@example.com", name="Regex (.*) Fan")

    async def emails_matching(q: str) -> set[str]:
        response = await client.get("/v1/admin/users", params={"q": q}, headers=operator)
        assert response.status_code == 200, response.text
        return {item["email"] for item in response.json()["items"]}

    # '.' and '+' are characters here, not a pattern: only the address that holds them.
    assert await emails_matching("a.b+c") == {"a.b+c@example.com"}
    assert await emails_matching(".*") == {"named@example.com"}  # its name holds ".*"
    assert await emails_matching("(.*)") == {"named@example.com"}
    assert await emails_matching("[a-z]") == set()
    assert await emails_matching("^a") == set()
    assert await emails_matching("REGEX (") == {"named@example.com"}  # any case
    assert await emails_matching("PLAIN@") == {"plain@example.com"}
    for refused in ("x" * 101, "a\x00b", "line\nbreak"):
        response = await client.get("/v1/admin/users", params={"q": refused}, headers=operator)
        assert response.status_code == 422, response.text

    # Newest first, two a page, every account once.
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/v1/admin/users", params=params, headers=operator)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["email"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted([OPERATOR, *emails, "named@example.com"])
    assert seen[0] == "named@example.com"
    assert seen[-1] == OPERATOR
    bad_cursor = await client.get("/v1/admin/users", params={"cursor": "nope"}, headers=operator)
    assert bad_cursor.status_code == 400

    # An account being erased is listed as such until its erasure completes.
    users = mongo[settings.mongo_database].users
    await users.update_one({"_id": ids["plain@example.com"]}, {"$set": {"status": "erasing"}})
    erasing = await client.get("/v1/admin/users", params={"status": "erasing"}, headers=operator)
    assert [item["email"] for item in erasing.json()["items"]] == ["plain@example.com"]
    assert [item["status"] for item in erasing.json()["items"]] == ["erasing"]
    unknown = await client.get("/v1/admin/users", params={"status": "gone"}, headers=operator)
    assert unknown.status_code == 422


async def test_sign_up_can_be_closed(infra: Infra, unique: str) -> None:
    closed = identity_settings(infra, unique, registration_open=False)
    async with identity(closed) as client:
        refused = await client.post(
            "/v1/auth/register", json={"email": "late@example.com", "password": PASSWORD}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/registration-closed")
        signed_in = await client.post(
            "/v1/auth/login", json={"email": "late@example.com", "password": PASSWORD}
        )
        assert signed_in.status_code == 401  # nothing was created
