"""Identity as an OAuth authorization server against real MongoDB and Kafka: native-app
redirect URIs at registration and authorization, and hashed client secrets (and the
plain-text ones earlier versions stored)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from muninn_identity.main import create_app
from muninn_identity.settings import IdentitySettings
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra

PASSWORD = "correct horse battery staple"
IDENTITY = "http://identity"
CURSOR = "cursor://anysphere.cursor-retrieval/oauth/user-1/callback"
REVERSE_DOMAIN = "com.example.muninn-test:/oauth2redirect"
LOOPBACK = "http://127.0.0.1:47821/callback"


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


class Account:
    def __init__(self, email: str, user_id: str, access_token: str) -> None:
        self.email = email
        self.user_id = user_id
        self.headers = {"Authorization": f"Bearer {access_token}"}


async def account(client: httpx.AsyncClient, name: str) -> Account:
    email = f"{name}-{secrets.token_hex(4)}@example.com"
    response = await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(email, body["user"]["id"], body["tokens"]["access_token"])


async def register_client(
    client: httpx.AsyncClient, redirect_uris: list[str], **metadata: Any
) -> dict[str, Any]:
    response = await client.post(
        "/register",
        json={"client_name": "Test client", "redirect_uris": redirect_uris, **metadata},
    )
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


async def authorize(
    client: httpx.AsyncClient,
    registered: dict[str, Any],
    who: Account,
    redirect_uri: str,
    *,
    scope: str | None = None,
) -> tuple[str, str]:
    """The browser's part: /authorize, the consent page, allow. (code, verifier)."""
    verifier, challenge = pkce()
    query = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "s1",
        **({"scope": scope} if scope else {}),
    }
    start = await client.get("/authorize", params=query)
    assert start.status_code == 302, start.text
    consent = urlsplit(start.headers["location"])
    page = await client.get(f"{consent.path}?{consent.query}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None
    allowed = await client.post(
        "/oauth/consent",
        data={
            "request": parse_qs(consent.query)["request"][0],
            "form_token": token[1],
            "decision": "allow",
            "email": who.email,
            "password": PASSWORD,
        },
    )
    assert allowed.status_code == 303, allowed.text
    location = allowed.headers["location"]
    assert location.startswith(redirect_uri + "?"), location
    answer = parse_qs(urlsplit(location).query)
    assert answer["state"] == ["s1"]
    return answer["code"][0], verifier


async def redeem(
    client: httpx.AsyncClient,
    registered: dict[str, Any],
    code: str,
    verifier: str,
    redirect_uri: str,
) -> dict[str, Any]:
    response = await client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
            "client_id": registered["client_id"],
            "client_secret": registered.get("client_secret", ""),
        },
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def connect(
    client: httpx.AsyncClient, registered: dict[str, Any], who: Account, redirect_uri: str
) -> dict[str, Any]:
    code, verifier = await authorize(client, registered, who, redirect_uri)
    return await redeem(client, registered, code, verifier, redirect_uri)


async def refresh(
    client: httpx.AsyncClient, registered: dict[str, Any], refresh_token: str
) -> httpx.Response:
    return await client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": registered["client_id"],
            "client_secret": registered.get("client_secret", ""),
        },
    )


# -- native-app redirect URIs --------------------------------------------------------------


async def test_private_use_schemes_register_and_receive_their_code(
    client: httpx.AsyncClient,
) -> None:
    ada = await account(client, "ada")
    registered = await register_client(client, [CURSOR, REVERSE_DOMAIN])
    for redirect_uri in (CURSOR, REVERSE_DOMAIN):
        tokens = await connect(client, registered, ada, redirect_uri)
        assert tokens["refresh_token"].startswith("rt_")

    page = await client.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": registered["client_id"],
            "redirect_uri": REVERSE_DOMAIN,
            "code_challenge": pkce()[1],
        },
    )
    consent = urlsplit(page.headers["location"])
    shown = (await client.get(f"{consent.path}?{consent.query}")).text
    assert "answers go to <code>com.example.muninn-test:</code>" in shown


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ws://127.0.0.1:9/cb",
        "http://evil.example/cb",
        "ms-msdt:/id",
        "com.example.app:/cb#fragment",
    ],
)
async def test_registration_refuses_what_is_not_an_apps_address(
    client: httpx.AsyncClient, uri: str
) -> None:
    refused = await client.post("/register", json={"redirect_uris": [uri]})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] in ("invalid_redirect_uri", "invalid_client_metadata")


async def test_loopback_redirects_match_on_any_port_and_nothing_else_is_loose(
    client: httpx.AsyncClient,
) -> None:
    ada = await account(client, "loop")
    registered = await register_client(
        client, [LOOPBACK, "http://localhost:33418/callback", REVERSE_DOMAIN]
    )
    elsewhere = "http://127.0.0.1:51234/callback"
    code, verifier = await authorize(client, registered, ada, elsewhere)
    # The code is bound to the port it was sent to: the token request names the same URI.
    mismatched = await client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": LOOPBACK,
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
        },
    )
    assert mismatched.status_code == 400
    assert (await redeem(client, registered, code, verifier, elsewhere))["access_token"]
    await authorize(client, registered, ada, "http://localhost:40001/callback")

    for unregistered in (
        "http://127.0.0.1:51234/other",
        "http://localhost:51234/callback?x=1",
        "http://[::1]:47821/callback",
        "com.example.muninn-test:/oauth2redirect/x",
        "cursor://anysphere.cursor-retrieval/oauth/user-1/callback",
        "https://127.0.0.1:47821/callback",
    ):
        answer = await client.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": registered["client_id"],
                "redirect_uri": unregistered,
                "code_challenge": pkce()[1],
            },
        )
        # Never redirected to an address the client did not register.
        assert answer.status_code == 400, (unregistered, answer.headers.get("location"))
        assert answer.json()["error"] == "invalid_request"


# -- client secrets ------------------------------------------------------------------------


async def test_only_a_digest_of_the_secret_is_stored_and_both_secret_methods_work(
    client: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, Any]], settings: IdentitySettings
) -> None:
    ada = await account(client, "secret")
    posting = await register_client(client, [REVERSE_DOMAIN])
    basic = await register_client(
        client, [REVERSE_DOMAIN], token_endpoint_auth_method="client_secret_basic"
    )
    public = await register_client(client, [REVERSE_DOMAIN], token_endpoint_auth_method="none")
    assert "client_secret" not in public
    stored = mongo[settings.mongo_database].oauth_clients
    for registered in (posting, basic):
        secret = registered["client_secret"]
        assert len(secret) == 64
        doc = await stored.find_one({"_id": registered["client_id"]})
        assert doc is not None
        assert secret not in str(doc), "the secret is nowhere in the record"
        assert doc["secret_digest"] == hashlib.sha256(secret.encode()).hexdigest()

    tokens = await connect(client, posting, ada, REVERSE_DOMAIN)
    wrong = await client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": posting["client_id"],
            "client_secret": basic["client_secret"],
        },
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert (await refresh(client, posting, tokens["refresh_token"])).status_code == 200

    code, verifier = await authorize(client, basic, ada, REVERSE_DOMAIN)
    credentials = base64.b64encode(
        f"{basic['client_id']}:{basic['client_secret']}".encode()
    ).decode()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REVERSE_DOMAIN,
        "client_id": basic["client_id"],
    }
    without = await client.post("/token", data=form)
    assert without.status_code == 401
    by_basic = await client.post(
        "/token", data=form, headers={"Authorization": f"Basic {credentials}"}
    )
    assert by_basic.status_code == 200, by_basic.text

    revoked = await client.post(
        "/revoke",
        data={
            "token": by_basic.json()["refresh_token"],
            "client_id": basic["client_id"],
            "client_secret": "",
        },
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert revoked.status_code == 200
    after = await client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": by_basic.json()["refresh_token"],
            "client_id": basic["client_id"],
        },
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert after.status_code == 400, "authenticated, and the grant is gone"
    assert after.json()["error"] == "invalid_grant"

    code, verifier = await authorize(client, public, ada, REVERSE_DOMAIN)
    assert (await redeem(client, public, code, verifier, REVERSE_DOMAIN))["access_token"]


def legacy_client(client_id: str, secret: str) -> dict[str, Any]:
    """A client as versions before hashed secrets stored it."""
    return {
        "_id": client_id,
        "metadata": {
            "client_id": client_id,
            "client_name": "Old client",
            "redirect_uris": [REVERSE_DOMAIN],
            "token_endpoint_auth_method": "client_secret_post",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "read write",
            "client_secret": secret,
            "client_secret_expires_at": 0,
        },
        "created_at": datetime.now(UTC),
    }


async def test_plain_text_secrets_are_hashed_at_start_up_and_at_first_use(
    mongo: AsyncMongoClient[dict[str, Any]], settings: IdentitySettings
) -> None:
    stored = mongo[settings.mongo_database].oauth_clients
    await stored.insert_one(legacy_client("legacy-before", "old secret one"))
    async with started(create_app(settings), IDENTITY) as client:
        doc = await stored.find_one({"_id": "legacy-before"})
        assert doc is not None
        assert "client_secret" not in doc["metadata"], "start-up hashed it"
        assert doc["secret_digest"] == hashlib.sha256(b"old secret one").hexdigest()
        ada = await account(client, "legacy")
        old = {"client_id": "legacy-before", "client_secret": "old secret one"}
        tokens = await connect(client, old, ada, REVERSE_DOMAIN)
        assert (await refresh(client, old, tokens["refresh_token"])).status_code == 200

        # Written after start-up, as by a replica of the previous version mid-upgrade.
        await stored.insert_one(legacy_client("legacy-after", "old secret two"))
        probe = {
            "grant_type": "authorization_code",
            "code": "no-such-code",
            "code_verifier": "v" * 43,
            "client_id": "legacy-after",
        }
        wrong = await client.post("/token", data={**probe, "client_secret": "guess"})
        assert wrong.status_code == 401
        doc = await stored.find_one({"_id": "legacy-after"})
        assert doc is not None
        assert "client_secret" not in doc["metadata"], "hashed when first looked up"
        right = await client.post("/token", data={**probe, "client_secret": "old secret two"})
        assert right.status_code == 400, "authenticated; only the code is unknown"
        assert right.json()["error"] == "invalid_grant"
