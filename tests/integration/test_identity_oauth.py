"""Identity as an OAuth authorization server against real MongoDB and Kafka: native-app
redirect URIs at registration and authorization, hashed client secrets (and the plain-text
ones earlier versions stored), and the user's connections listed and disconnected."""

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
from muninn_shared.events import Topic
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect

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


# -- connections ---------------------------------------------------------------------------


async def test_connections_are_listed_paged_and_disconnected(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    ada = await account(client, "conn")
    eve = await account(client, "eve")
    cursor_app = await register_client(client, [CURSOR], scope="read")
    desktop = await register_client(client, [LOOPBACK, REVERSE_DOMAIN], client_name="Desktop")
    first = await connect(client, cursor_app, ada, CURSOR)
    second = await connect(client, cursor_app, ada, CURSOR)
    desktop_tokens = await connect(client, desktop, ada, LOOPBACK)
    assert (await refresh(client, desktop, desktop_tokens["refresh_token"])).status_code == 200

    listed = await client.get("/v1/me/connections", headers=ada.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [item["client_id"] for item in items] == [desktop["client_id"], cursor_app["client_id"]]
    newest, oldest = items
    assert newest["client_name"] == "Desktop"
    assert newest["redirect_targets"] == ["127.0.0.1", "com.example.muninn-test:"]
    assert newest["scopes"] == ["read", "write"]
    assert newest["last_used_at"] is not None, "refreshed"
    assert oldest["redirect_targets"] == ["cursor://anysphere.cursor-retrieval"]
    assert oldest["scopes"] == ["read"]
    assert oldest["last_used_at"] is None
    assert oldest["first_authorized_at"] < newest["first_authorized_at"]

    pages: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/me/connections", headers=ada.headers, params=params)).json()
        pages += [item["client_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [desktop["client_id"], cursor_app["client_id"]]
    bad_cursor = await client.get(
        "/v1/me/connections", headers=ada.headers, params={"cursor": "nonsense"}
    )
    assert bad_cursor.status_code == 400

    # Another user sees none of it, and cannot tell the client exists.
    assert (await client.get("/v1/me/connections", headers=eve.headers)).json()["items"] == []
    foreign = await client.delete(
        f"/v1/me/connections/{cursor_app['client_id']}", headers=eve.headers
    )
    assert foreign.status_code == 404
    unknown = await client.delete("/v1/me/connections/no-such-client", headers=ada.headers)
    assert unknown.status_code == 404
    assert foreign.json()["detail"] == unknown.json()["detail"]
    assert (await refresh(client, cursor_app, second["refresh_token"])).status_code == 200

    access = first["access_token"]
    assert (await client.post("/internal/oauth/exchange", json={"token": access})).status_code == (
        200
    )
    gone = await client.delete(f"/v1/me/connections/{cursor_app['client_id']}", headers=ada.headers)
    assert gone.status_code == 204, gone.text
    remaining = (await client.get("/v1/me/connections", headers=ada.headers)).json()["items"]
    assert [item["client_id"] for item in remaining] == [desktop["client_id"]]
    # Every grant of the client ended: refresh tokens and the trade of access tokens.
    for tokens in (first, second):
        refused = await refresh(client, cursor_app, tokens["refresh_token"])
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
    traded = await client.post("/internal/oauth/exchange", json={"token": access})
    assert traded.status_code == 401
    again = await client.delete(
        f"/v1/me/connections/{cursor_app['client_id']}", headers=ada.headers
    )
    assert again.status_code == 404
    # The other client is untouched.
    assert (
        await client.post(
            "/internal/oauth/exchange", json={"token": desktop_tokens["access_token"]}
        )
    ).status_code == 200

    audit = await client.get(
        "/v1/me/audit-log", headers=ada.headers, params={"action": "oauth.connection_revoked"}
    )
    entry = audit.json()["items"][0]
    assert entry["resource_type"] == "oauth_client"
    assert entry["resource_id"] == cursor_app["client_id"]
    assert entry["details"]["grants"] == 2
    assert entry["api_endpoint"] == f"DELETE /v1/me/connections/{cursor_app['client_id']}"

    # The gateway hears of it as session revocations of both grants (their tokens' sid).
    announced = await collect(
        infra.kafka_bootstrap,
        Topic.IDENTITY_SESSIONS.value,
        lambda body: (
            body.get("type") == "identity.session.revoked" and body.get("subject") == ada.user_id
        ),
        count=2,
        timeout=30,
    )
    assert len(announced) == 2
    assert {event["data"]["reason"] for event in announced} == {"logout"}


async def test_a_connected_client_may_read_connections_but_not_disconnect_any(
    client: httpx.AsyncClient,
) -> None:
    ada = await account(client, "scope")
    assert (await client.get("/v1/me/connections")).status_code == 401
    registered = await register_client(client, [REVERSE_DOMAIN])
    tokens = await connect(client, registered, ada, REVERSE_DOMAIN)
    # What the gateway's MCP endpoint calls services with: read and write, never admin.
    traded = await client.post("/internal/oauth/exchange", json={"token": tokens["access_token"]})
    as_client = {"Authorization": f"Bearer {traded.json()['access_token']}"}
    listed = await client.get("/v1/me/connections", headers=as_client)
    assert [item["client_id"] for item in listed.json()["items"]] == [registered["client_id"]]
    refused = await client.delete(
        f"/v1/me/connections/{registered['client_id']}", headers=as_client
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/insufficient-scope")
    too_long = await client.delete("/v1/me/connections/" + "x" * 65, headers=ada.headers)
    assert too_long.status_code == 422
