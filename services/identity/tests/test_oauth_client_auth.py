"""Client authentication at /token and /revoke against the digest of the client's secret."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from mcp.server.auth.middleware.client_auth import AuthenticationError
from muninn_identity.oauth.client_auth import HashedSecretAuthenticator
from muninn_identity.oauth.models import ClientRecord
from starlette.requests import Request

SECRET = "5f" * 32


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Registry:
    def __init__(self, *records: ClientRecord) -> None:
        self.records = {record.client_id: record for record in records}

    async def client_record(self, client_id: str) -> ClientRecord | None:
        return self.records.get(client_id)


def record(client_id: str, method: str, secret: str | None = SECRET, **extra: Any) -> ClientRecord:
    return ClientRecord(
        client_id=client_id,
        metadata={
            "client_id": client_id,
            "redirect_uris": ["com.example.app:/cb"],
            "token_endpoint_auth_method": method,
            **extra,
        },
        secret_digest=digest(secret) if secret is not None else None,
    )


REGISTRY = Registry(
    record("post", "client_secret_post"),
    record("basic", "client_secret_basic"),
    record("public", "none", secret=None),
    record("no-secret", "client_secret_post", secret=None),
    record("expired", "client_secret_post", client_secret_expires_at=int(time.time()) - 60),
    record("odd", "private_key_jwt"),
)


def token_request(form: dict[str, str], authorization: str | None = None) -> Request:
    body = urlencode(form).encode()
    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/token",
        "headers": headers,
        "query_string": b"",
    }
    return Request(scope, receive)


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def authenticate(form: dict[str, str], authorization: str | None = None) -> str:
    authenticator = HashedSecretAuthenticator(REGISTRY)
    client = await authenticator.authenticate_request(token_request(form, authorization))
    assert client.client_secret is None, "the secret is never handed on"
    return client.client_id


async def test_client_secret_post_and_basic_are_checked_against_the_digest() -> None:
    assert await authenticate({"client_id": "post", "client_secret": SECRET}) == "post"
    assert await authenticate({"client_id": "basic"}, basic("basic", SECRET)) == "basic"


async def test_a_public_client_needs_no_secret() -> None:
    assert await authenticate({"client_id": "public"}) == "public"


@pytest.mark.parametrize(
    ("form", "authorization", "message"),
    [
        ({}, None, "Missing client_id"),
        ({"client_id": "nobody", "client_secret": SECRET}, None, "Invalid client_id"),
        ({"client_id": "post", "client_secret": SECRET[:-1] + "0"}, None, "Invalid client_secret"),
        ({"client_id": "post", "client_secret": ""}, None, "Client secret is required"),
        ({"client_id": "post"}, None, "Client secret is required"),
        # The digest itself is no secret: presenting it fails.
        ({"client_id": "post", "client_secret": digest(SECRET)}, None, "Invalid client_secret"),
        ({"client_id": "basic", "client_secret": SECRET}, None, "Missing or invalid Basic"),
        ({"client_id": "basic"}, basic("basic", "wrong"), "Invalid client_secret"),
        ({"client_id": "basic"}, basic("post", SECRET), "Client ID mismatch"),
        ({"client_id": "basic"}, "Basic !!!not-base64", "Invalid Basic authentication"),
        (
            {"client_id": "basic"},
            "Basic " + base64.b64encode(b"no-colon").decode(),
            "Invalid Basic",
        ),
        ({"client_id": "no-secret", "client_secret": SECRET}, None, "has no stored secret"),
        ({"client_id": "expired", "client_secret": SECRET}, None, "expired"),
        ({"client_id": "odd", "client_secret": SECRET}, None, "Unsupported auth method"),
    ],
)
async def test_anything_else_is_refused(
    form: dict[str, str], authorization: str | None, message: str
) -> None:
    with pytest.raises(AuthenticationError) as refused:
        await authenticate(form, authorization)
    assert message in refused.value.message


def test_a_record_without_a_digest_matches_nothing() -> None:
    bare = record("bare", "client_secret_post", secret=None)
    assert not bare.secret_matches(SECRET)
    assert not bare.secret_matches("")
    assert record("x", "client_secret_post").secret_matches(SECRET)
    assert not record("x", "client_secret_post").secret_matches("\ud800")
