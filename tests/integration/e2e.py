"""Helpers shared by the end-to-end tests: users and problem checks through the gateway."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from muninn_shared.signing import TokenIssuer

from tests.integration.tokens import identity_token_issuer

PASSWORD = "correct horse battery staple"
OPERATOR_EMAIL = "operator@example.com"
"""The account the suite's identity lists in MUNINN_OPERATOR_EMAILS."""
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


def token_issuer() -> TokenIssuer:
    """Signs like identity does: the suite's identity signs with the run's test key ring."""
    return identity_token_issuer()


async def seconds_until_searchable(
    client: httpx.AsyncClient, user: User, query: str, wanted: str, give_up_after: float
) -> float | None:
    """How long until a search returns a memory mentioning ``wanted`` (None: not at all).

    Polls past the deadline the test asserts, so a failure says how late it was.
    """
    started = time.monotonic()
    while time.monotonic() - started < give_up_after:
        response = await client.post(
            "/v1/memories/search", json={"query": query, "limit": 5}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            if result["memory"] and wanted in result["memory"]["content"]:
                return time.monotonic() - started
        await asyncio.sleep(0.2)
    return None
