"""The MCP endpoint's edge: the sign-in challenge, the discovery document, the service probe."""

from __future__ import annotations

import re
from typing import Any

import httpx
from muninn_gateway.mcp.probe import ServiceProbe


async def test_without_a_credential_mcp_points_to_its_metadata(
    make_gateway: Any,
) -> None:
    async with make_gateway(public_url="https://muninn.example.org") as client:
        refused = await client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        challenge = refused.headers["www-authenticate"]
        found = re.search(r'resource_metadata="([^"]+)"', challenge)
        assert found is not None
        assert found[1] == "https://muninn.example.org/.well-known/oauth-protected-resource/mcp"
        assert "error=" not in challenge

        bad = await client.post("/mcp", headers={"Authorization": "Bearer nonsense"}, json={})
        assert bad.status_code == 401
        assert 'error="invalid_token"' in bad.headers["www-authenticate"]

        metadata = (await client.get("/.well-known/oauth-protected-resource/mcp")).json()
        assert metadata["resource"] == "https://muninn.example.org/mcp"
        assert metadata["authorization_servers"] == ["https://muninn.example.org/"]
        assert metadata["scopes_supported"] == ["read", "write"]


async def test_mcp_can_be_turned_off(make_gateway: Any) -> None:
    async with make_gateway(mcp_enabled=False) as client:
        response: httpx.Response = await client.post("/mcp", json={})
        assert response.status_code == 404
        assert (await client.get("/.well-known/oauth-protected-resource/mcp")).status_code == 404


async def test_the_probe_asks_once_per_interval() -> None:
    now = [0.0]
    answers = [True, False]
    asked: list[float] = []

    async def check() -> bool:
        asked.append(now[0])
        return answers[len(asked) - 1]

    probe = ServiceProbe(check, ttl_seconds=30, clock=lambda: now[0])
    assert await probe.up() is True
    now[0] = 29.0
    assert await probe.up() is True
    now[0] = 30.0
    assert await probe.up() is False
    assert asked == [0.0, 30.0]
