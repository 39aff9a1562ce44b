"""Tokens signed by identity alone, verified everywhere from its published public keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import jwt

from tests.integration.e2e import REQUEST_TIMEOUT, assert_problem, bearer, register
from tests.integration.suite import Suite


def hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(claims).encode())
    return f"{head}.{body}.{part(hmac.new(secret, f'{head}.{body}'.encode(), hashlib.sha256).digest())}"


async def test_tokens_carry_a_published_kid_and_verify_in_every_service(
    client: httpx.AsyncClient, suite: Suite
) -> None:
    user = await register(client, "signed")
    header = jwt.get_unverified_header(user.access_token)
    assert header["alg"] == "EdDSA"

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as direct:
        published = (await direct.get(f"{suite.url('identity')}/.well-known/jwks.json")).json()
    at_the_edge = (await client.get("/.well-known/jwks.json")).json()
    assert at_the_edge == published
    assert header["kid"] in {key["kid"] for key in published["keys"]}
    assert all("d" not in key for key in published["keys"])  # no private half

    # Services that verify with the JWKS alone accept it (conversation, memory, scheduler).
    for path in ("/v1/conversations", "/v1/memories", "/v1/reminders"):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 200, f"{path}: {response.text}"

    # Algorithm confusion: HS256 keyed with the public key is refused at the gateway and by
    # each service directly.
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    x = next(key["x"] for key in published["keys"] if key["kid"] == header["kid"])
    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    for secret in (raw, x.encode()):
        forged = hs256(claims, secret, header["kid"])
        assert_problem(await client.get("/v1/conversations", headers=bearer(forged)), 401)
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as direct:
            for service, path in (("memory", "/v1/memories"), ("identity", "/v1/me")):
                url = f"{suite.url(service)}{path}"
                assert_problem(await direct.get(url, headers=bearer(forged)), 401)
