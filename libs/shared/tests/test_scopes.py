"""Default-deny API-key scopes: what a route needs follows from its method unless declared."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from muninn_shared.auth import CurrentPrincipal, StaticKeys, TokenVerifier
from muninn_shared.http.app import create_service_app
from muninn_shared.http.scopes import ADMIN, OPERATOR, READS, SCOPE_EXTENSION
from muninn_shared.problems import PROBLEM_BASE
from muninn_shared.signing import SigningKeyRing, TokenIssuer

RING = SigningKeyRing.generate()
CODEC = TokenIssuer(RING, issuer="muninn", audience="muninn", ttl_seconds=60)
VERIFIER = TokenVerifier(StaticKeys(RING.jwks()), issuer="muninn", audience="muninn")


def make_app(touched: list[str]) -> FastAPI:
    router = APIRouter()

    async def side_effect() -> None:
        touched.append("dependency")

    @router.get("/things")
    async def read_things(principal: CurrentPrincipal) -> dict[str, str]:
        return {"user": principal.user_id}

    @router.post("/things", dependencies=[Depends(side_effect)])
    async def add_thing(principal: CurrentPrincipal) -> dict[str, str]:
        touched.append("handler")
        return {"user": principal.user_id}

    @router.post("/things/search", openapi_extra=READS)
    async def search_things(principal: CurrentPrincipal) -> dict[str, str]:
        return {"user": principal.user_id}

    @router.delete("/account", openapi_extra=ADMIN)
    async def close_account(principal: CurrentPrincipal) -> dict[str, str]:
        return {"user": principal.user_id}

    @router.get("/instance", openapi_extra=OPERATOR)
    async def instance(principal: CurrentPrincipal) -> dict[str, str]:
        touched.append("operator handler")
        return {"operator": principal.user_id}

    @router.post("/sign-in")
    async def sign_in() -> dict[str, str]:
        return {"public": "yes"}

    app = create_service_app(service="t", title="t", description="t", routers=[router])
    app.state.token_verifier = VERIFIER
    return app


def key(*scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {CODEC.issue('u1', scopes=scopes, api_key_id='k1')}"}


@pytest.fixture
def touched() -> list[str]:
    return []


@pytest.fixture
async def client(touched: list[str]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(touched))
    return httpx.AsyncClient(transport=transport, base_url="http://t")


def assert_insufficient_scope(response: httpx.Response, scope: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == PROBLEM_BASE + "insufficient-scope"
    assert f"'{scope}'" in response.json()["detail"]


async def test_a_write_is_refused_before_any_dependency_or_handler_runs(
    client: httpx.AsyncClient, touched: list[str]
) -> None:
    assert_insufficient_scope(await client.post("/things", headers=key("read")), "write")
    assert touched == []
    assert (await client.post("/things", headers=key("write"))).status_code == 200
    assert touched == ["dependency", "handler"]


async def test_a_read_needs_read_and_write_alone_does_not_grant_it(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/things", headers=key("read"))).status_code == 200
    assert_insufficient_scope(await client.get("/things", headers=key("write")), "read")


async def test_declared_scopes_override_the_method(client: httpx.AsyncClient) -> None:
    assert (await client.post("/things/search", headers=key("read"))).status_code == 200
    assert_insufficient_scope(
        await client.delete("/account", headers=key("read", "write")), "admin"
    )
    assert (await client.delete("/account", headers=key("admin"))).status_code == 200


async def test_signed_in_sessions_hold_every_scope(client: httpx.AsyncClient) -> None:
    session = {"Authorization": f"Bearer {CODEC.issue('u1', session_id='s1')}"}
    for method, path in (("GET", "/things"), ("POST", "/things"), ("DELETE", "/account")):
        assert (await client.request(method, path, headers=session)).status_code == 200


async def test_public_routes_ignore_a_stale_credential(client: httpx.AsyncClient) -> None:
    response = await client.post("/sign-in", headers={"Authorization": "Bearer expired"})
    assert response.status_code == 200
    assert (await client.post("/things")).status_code == 401


def test_declared_scopes_are_published_in_the_openapi_document(touched: list[str]) -> None:
    paths = make_app(touched).openapi()["paths"]
    assert paths["/things/search"]["post"][SCOPE_EXTENSION] == "read"
    assert paths["/account"]["delete"][SCOPE_EXTENSION] == "admin"
    assert paths["/instance"]["get"][SCOPE_EXTENSION] == "operator"


def session(*scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {CODEC.issue('u1', scopes=scopes, session_id='s1')}"}


async def test_an_operator_route_opens_to_an_operators_session_alone(
    client: httpx.AsyncClient, touched: list[str]
) -> None:
    refused = [
        await client.get("/instance", headers=credential)
        for credential in (
            session("read", "write", "admin"),  # every scope of the account is not enough
            key("read", "write", "admin"),
            key("read", "write", "admin", "operator"),  # nor a key claiming to be one
        )
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == PROBLEM_BASE + "operator-only"
    assert touched == []
    allowed = await client.get("/instance", headers=session("read", "write", "admin", "operator"))
    assert allowed.status_code == 200
    assert allowed.json() == {"operator": "u1"}
    assert touched == ["operator handler"]


async def test_an_unknown_declared_scope_fails_loudly() -> None:
    router = APIRouter()

    @router.post("/odd", openapi_extra={SCOPE_EXTENSION: "everything"})
    async def odd(principal: CurrentPrincipal) -> None:
        return None

    app = create_service_app(service="t", title="t", description="t", routers=[router])
    app.state.token_verifier = VERIFIER
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/odd", headers=key("admin"))
    assert response.status_code == 500
