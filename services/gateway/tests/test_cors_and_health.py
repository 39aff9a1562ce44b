"""CORS for browser clients, and readiness that follows the services behind the gateway."""

from __future__ import annotations

from typing import Any

import httpx


async def test_preflight_from_an_allowed_origin(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/v1/conversations",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "idempotency-key" in allowed


async def test_preflight_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/v1/conversations",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_errors_carry_cors_headers_so_browsers_can_read_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/me", headers={"Origin": "https://app.example"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "www-authenticate" in response.headers["access-control-expose-headers"].lower()


async def test_no_cors_unless_origins_are_configured(make_gateway: Any) -> None:
    async with make_gateway(cors_allowed_origins=[]) as gateway:
        response = await gateway.options(
            "/v1/conversations",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in response.headers


async def test_healthz_and_readyz(client: httpx.AsyncClient, upstreams: Any) -> None:
    health = await client.get("/healthz")
    assert health.json() == {"status": "ok", "service": "gateway"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"conversation": "ok", "identity": "ok", "memory": "ok"}

    upstreams.state.memory_ready = False
    try:
        not_ready = await client.get("/readyz")
    finally:
        upstreams.state.memory_ready = True
    assert not_ready.status_code == 503
    assert not_ready.headers["content-type"].startswith("application/problem+json")
    checks = not_ready.json()["checks"]
    assert checks["memory"].startswith("failing")
    assert checks["identity"] == "ok"


async def test_readyz_reports_services_that_are_down(make_gateway: Any) -> None:
    async with make_gateway(readiness_upstreams=None) as gateway:
        response = await gateway.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert set(checks) == {
        "byod",
        "conversation",
        "identity",
        "integrations",
        "memory",
        "scheduler",
    }
    assert checks["scheduler"].startswith("failing: ConnectError")
    assert checks["conversation"] == "ok"
