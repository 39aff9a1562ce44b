"""Helpers shared by the end-to-end tests: users and problem checks through the gateway."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from muninn_shared.auth import TokenCodec
from muninn_shared.settings import ServiceSettings

PASSWORD = "correct horse battery staple"
REQUEST_TIMEOUT = httpx.Timeout(15.0)

Doc = dict[str, Any]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def assert_problem(response: httpx.Response, status: int) -> Doc:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: Doc = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    return body


@dataclass
class User:
    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


async def register(client: httpx.AsyncClient, label: str = "user") -> User:
    email = new_email(label)
    response = await client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "name": label}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return User(
        id=body["user"]["id"],
        email=email,
        access_token=body["tokens"]["access_token"],
        refresh_token=body["tokens"]["refresh_token"],
    )


def token_codec() -> TokenCodec:
    """Signs like identity does: the suite passes the same environment to every process."""
    settings_ = ServiceSettings(environment="test")
    return TokenCodec(
        settings_.jwt_secret.get_secret_value(),
        issuer=settings_.jwt_issuer,
        audience=settings_.jwt_audience,
        ttl_seconds=settings_.access_token_ttl_seconds,
    )
