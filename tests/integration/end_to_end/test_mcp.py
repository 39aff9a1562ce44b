"""The MCP server at /mcp, through the gateway, with the official SDK's own client.

Tools are listed and each is called over streamable HTTP as its user; two users see only
their own data; a read-only key sees and may call only read tools; and an MCP client that
knows nothing but the URL discovers the authorization server, registers, is authorized with
PKCE (the consent form driven over HTTP), calls a tool, refreshes its token, and loses its
grant when a rotated refresh token comes back. A native app with a private-use redirect
scheme connects the same way, shows among the user's connections, and is disconnected there:
its refresh token is refused at once and its access token within a second or two.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from mcp.shared.exceptions import MCPError
from pydantic import AnyUrl

from tests.integration.e2e import PASSWORD, User, bearer, register
from tests.integration.suite import Suite

READ_TOOLS = {
    "recall",
    "list_memories",
    "memory_history",
    "list_reminders",
    "list_tasks",
    "lookup_contact",
    "list_calendar_events",
}
WRITE_TOOLS = {
    "remember",
    "forget_memory",
    "create_reminder",
    "complete_reminder",
    "create_task",
    "complete_task",
}
REDIRECT_URI = "http://127.0.0.1:47821/callback"
APP_REDIRECT_URI = "com.example.muninn-e2e:/oauth/callback"


@asynccontextmanager
async def mcp_client(
    url: str, headers: dict[str, str] | None = None, auth: Any = None
) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers=headers or {}, auth=auth, timeout=30.0)
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        yield client


async def api_key(client: httpx.AsyncClient, user: User, scopes: list[str]) -> str:
    response = await client.post(
        "/v1/me/api-keys", headers=user.headers, json={"name": "mcp", "scopes": scopes}
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def structured(result: types.CallToolResult) -> Any:
    assert not result.is_error, result.content
    return result.structured_content


def text_of(result: types.CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def test_every_tool_through_the_gateway_as_its_user(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "mcp-tools")
    key = await api_key(client, user, ["read", "write"])
    contact = await client.post(
        "/v1/contacts", headers=user.headers, json={"display_name": "Ingrid Berg"}
    )
    assert contact.status_code == 201, contact.text

    async with mcp_client(f"{suite.gateway_url}/mcp", bearer(key)) as mcp:
        listed = await mcp.list_tools()
        names = {tool.name for tool in listed.tools}
        assert names == READ_TOOLS | WRITE_TOOLS
        for tool in listed.tools:
            assert tool.description
            assert tool.input_schema["type"] == "object"
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is (tool.name in READ_TOOLS)
        recall_schema = next(t for t in listed.tools if t.name == "recall").input_schema
        assert recall_schema["required"] == ["query"]
        assert recall_schema["additionalProperties"] is False

        remembered = structured(
            await mcp.call_tool("remember", {"text": "My sister Ingrid lives in Bergen."})
        )
        assert remembered["status"] == "done", remembered
        memory_id = remembered["memories"][0]["id"]

        found = structured(
            await mcp.call_tool("recall", {"query": "Where does my sister live?", "limit": 5})
        )
        assert any("Bergen" in r["content"] for r in found["results"]), found
        assert {"id", "content", "type", "occurred_at", "entities", "score"} <= set(
            found["results"][0]
        )
        listed_memories = structured(await mcp.call_tool("list_memories", {"limit": 10}))
        assert memory_id in {m["id"] for m in listed_memories["items"]}
        history = structured(await mcp.call_tool("memory_history", {"memory_id": memory_id}))
        assert "Bergen" in json.dumps(history)

        by_uri = await mcp.read_resource(f"muninn://memories/{memory_id}")
        assert "Bergen" in by_uri.contents[0].text  # type: ignore[union-attr]
        profile = await mcp.read_resource("muninn://profile")
        assert json.loads(profile.contents[0].text)["email"] == user.email  # type: ignore[union-attr]
        preferences = await mcp.read_resource("muninn://preferences")
        assert "timezone" in json.loads(preferences.contents[0].text)  # type: ignore[union-attr]
        templates = await mcp.list_resource_templates()
        assert [t.uri_template for t in templates.resource_templates] == ["muninn://memories/{id}"]

        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0, tzinfo=None)
        reminder = structured(
            await mcp.call_tool(
                "create_reminder",
                {"title": "Call Ingrid", "local_time": tomorrow.isoformat()},
            )
        )
        reminders = structured(await mcp.call_tool("list_reminders", {}))
        assert reminder["id"] in {r["id"] for r in reminders["items"]}
        done = structured(await mcp.call_tool("complete_reminder", {"reminder_id": reminder["id"]}))
        assert done["status"] == "completed"

        task = structured(
            await mcp.call_tool("create_task", {"title": "Book flights", "priority": "high"})
        )
        tasks = structured(await mcp.call_tool("list_tasks", {"status": "todo"}))
        assert task["id"] in {t["id"] for t in tasks["items"]}
        completed = structured(await mcp.call_tool("complete_task", {"task_id": task["id"]}))
        assert "completed" in json.dumps(completed)

        people = structured(await mcp.call_tool("lookup_contact", {"name": "Ingrid"}))
        assert [c["display_name"] for c in people["contacts"]] == ["Ingrid Berg"]
        now = datetime.now(UTC)
        events = structured(
            await mcp.call_tool(
                "list_calendar_events",
                {"start": now.isoformat(), "end": (now + timedelta(days=7)).isoformat()},
            )
        )
        assert events["items"] == []

        invalid = await mcp.call_tool("remember", {"text": "x", "messages": [], "colour": "red"})
        assert invalid.is_error
        assert "Invalid arguments" in text_of(invalid)

        assert structured(await mcp.call_tool("forget_memory", {"memory_id": memory_id}))
        gone = await mcp.call_tool("memory_history", {"memory_id": memory_id})
        after = structured(await mcp.call_tool("list_memories", {}))
        assert memory_id not in {m["id"] for m in after["items"]}, gone


async def test_two_users_see_only_their_own(suite: Suite, client: httpx.AsyncClient) -> None:
    ana, bruno = await register(client, "mcp-ana"), await register(client, "mcp-bruno")
    url = f"{suite.gateway_url}/mcp"
    async with mcp_client(url, bearer(await api_key(client, ana, ["read", "write"]))) as mcp:
        remembered = structured(
            await mcp.call_tool("remember", {"text": "My locker code is 4711."})
        )
        memory_id = remembered["memories"][0]["id"]
    # Bruno signs in with his session token: MCP accepts it as any other route does.
    async with mcp_client(url, bruno.headers) as mcp:
        found = structured(await mcp.call_tool("recall", {"query": "locker code"}))
        assert all("4711" not in json.dumps(r) for r in found["results"])
        assert structured(await mcp.call_tool("list_memories", {}))["items"] == []
        history = await mcp.call_tool("memory_history", {"memory_id": memory_id})
        assert history.is_error
        forget = await mcp.call_tool("forget_memory", {"memory_id": memory_id})
        assert forget.is_error
        with pytest.raises(MCPError, match="not found"):
            await mcp.read_resource(f"muninn://memories/{memory_id}")
    ana_memories = await client.get("/v1/memories", headers=ana.headers)
    assert memory_id in {m["id"] for m in ana_memories.json()["items"]}


async def test_a_read_only_key_sees_and_calls_only_read_tools(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "mcp-reader")
    key = await api_key(client, user, ["read"])
    async with mcp_client(f"{suite.gateway_url}/mcp", bearer(key)) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}
        assert names == READ_TOOLS
        refused = await mcp.call_tool("remember", {"text": "I like tea."})
        assert refused.is_error
        assert "'write' scope" in text_of(refused)
        refused_task = await mcp.call_tool("create_task", {"title": "Not allowed"})
        assert refused_task.is_error
        assert structured(await mcp.call_tool("list_tasks", {}))["items"] == []
    memories = await client.get("/v1/memories", headers=user.headers)
    assert memories.json()["items"] == []


async def test_without_a_credential_the_challenge_leads_to_the_authorization_server(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    response = await client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    metadata_url = re.search(r'resource_metadata="([^"]+)"', challenge)[1]  # type: ignore[index]
    assert metadata_url == f"{suite.gateway_url}/.well-known/oauth-protected-resource/mcp"
    resource = (await client.get(metadata_url)).json()
    assert resource["resource"] == f"{suite.gateway_url}/mcp"
    issuer = resource["authorization_servers"][0].rstrip("/")
    server = (await client.get(f"{issuer}/.well-known/oauth-authorization-server")).json()
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["registration_endpoint"] == f"{issuer}/register"

    bad = await client.post(
        "/mcp",
        headers=bearer("not-a-token"),
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]

    refused = await client.post(
        "/register",
        json={"redirect_uris": ["http://evil.example/callback"], "client_name": "Evil"},
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_redirect_uri"


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class ConsentingUser:
    """Plays the browser: follows /authorize to the consent page and allows."""

    def __init__(self, gateway_url: str, email: str, redirect_uri: str = REDIRECT_URI) -> None:
        self._gateway_url = gateway_url
        self._email = email
        self._redirect_uri = redirect_uri
        self.answer: dict[str, list[str]] = {}
        self.wrong_password_page = ""

    async def open(self, authorization_url: str) -> None:
        async with httpx.AsyncClient(timeout=30.0) as browser:
            start = await browser.get(authorization_url)
            assert start.status_code == 302, start.text
            consent_url = start.headers["location"]
            assert consent_url.startswith(f"{self._gateway_url}/oauth/consent?")
            request_id = parse_qs(urlsplit(consent_url).query)["request"][0]
            form = {"request": request_id, "email": self._email, "decision": "allow"}

            page = await browser.get(consent_url)
            assert page.status_code == 200
            assert "Muninn MCP test" in page.text
            assert page.headers["x-frame-options"] == "DENY"
            wrong = await browser.post(
                f"{self._gateway_url}/oauth/consent",
                data={**form, "form_token": _form_token(page.text), "password": "wrong password"},
            )
            assert wrong.status_code == 401
            self.wrong_password_page = wrong.text
            # A forged submission (no token from the page) is refused.
            forged = await browser.post(
                f"{self._gateway_url}/oauth/consent",
                data={**form, "form_token": "forged", "password": PASSWORD},
            )
            assert forged.status_code == 400
            page = await browser.get(consent_url)
            allowed = await browser.post(
                f"{self._gateway_url}/oauth/consent",
                data={**form, "form_token": _form_token(page.text), "password": PASSWORD},
            )
            assert allowed.status_code == 303, allowed.text
            location = allowed.headers["location"]
            assert location.startswith(self._redirect_uri + "?"), location
            self.answer = parse_qs(urlsplit(location).query)

    async def callback(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(
            code=self.answer["code"][0], state=self.answer.get("state", [None])[0]
        )


def _form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, page
    return found[1]


async def test_oauth_from_the_url_alone(suite: Suite, client: httpx.AsyncClient) -> None:
    user = await register(client, "mcp-oauth")
    await client.post(
        "/v1/memories", headers=user.headers, json={"content": "I play the cello.", "wait": True}
    )
    browser = ConsentingUser(suite.gateway_url, user.email)
    storage = MemoryStorage()
    provider = _oauth_provider(suite, browser, storage, REDIRECT_URI)
    async with mcp_client(f"{suite.gateway_url}/mcp", auth=provider) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}
        assert names == READ_TOOLS | WRITE_TOOLS
        found = structured(await mcp.call_tool("recall", {"query": "which instrument?"}))
        assert any("cello" in r["content"] for r in found["results"])
    assert "wrong" in browser.wrong_password_page
    tokens, registered = storage.tokens, storage.client
    assert tokens is not None
    assert registered is not None
    assert tokens.refresh_token
    assert tokens.scope == "read write"

    # Bound to the MCP resource: the rest of the API does not take it.
    elsewhere = await client.get("/v1/memories", headers=bearer(tokens.access_token))
    assert elsewhere.status_code == 401

    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": registered.client_id,
        "client_secret": registered.client_secret or "",
    }
    refreshed = await client.post("/token", data=refresh)
    assert refreshed.status_code == 200, refreshed.text
    new_tokens = refreshed.json()
    assert new_tokens["refresh_token"] != tokens.refresh_token
    async with mcp_client(f"{suite.gateway_url}/mcp", bearer(new_tokens["access_token"])) as mcp:
        assert structured(await mcp.call_tool("list_memories", {}))["items"]

    # The rotated token presented again: the whole grant ends, its access tokens too.
    reused = await client.post("/token", data=refresh)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    newest = {**refresh, "refresh_token": new_tokens["refresh_token"]}
    assert (await client.post("/token", data=newest)).status_code == 400
    deadline = time.monotonic() + 10
    while (await _tools_list(client, new_tokens["access_token"])).status_code != 401:
        assert time.monotonic() < deadline, "the revoked grant's token still works"
        await asyncio.sleep(0.2)


def _oauth_provider(
    suite: Suite, browser: ConsentingUser, storage: MemoryStorage, redirect_uri: str
) -> OAuthClientProvider:
    return OAuthClientProvider(
        server_url=f"{suite.gateway_url}/mcp",
        client_metadata=OAuthClientMetadata(
            client_name="Muninn MCP test",
            redirect_uris=[AnyUrl(redirect_uri)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            scope="read write",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )


async def _tools_list(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.post(
        "/mcp",
        headers={**bearer(access_token), "accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )


async def test_a_native_app_connects_shows_among_connections_and_is_disconnected(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "mcp-connections")
    browser = ConsentingUser(suite.gateway_url, user.email, redirect_uri=APP_REDIRECT_URI)
    storage = MemoryStorage()
    provider = _oauth_provider(suite, browser, storage, APP_REDIRECT_URI)
    async with mcp_client(f"{suite.gateway_url}/mcp", auth=provider) as mcp:
        assert {tool.name for tool in (await mcp.list_tools()).tools} == READ_TOOLS | WRITE_TOOLS
    tokens, registered = storage.tokens, storage.client
    assert tokens is not None
    assert registered is not None
    assert tokens.refresh_token

    listed = await client.get("/v1/me/connections", headers=user.headers)
    assert listed.status_code == 200, listed.text
    [connection] = listed.json()["items"]
    assert connection["client_id"] == registered.client_id
    assert connection["client_name"] == "Muninn MCP test"
    assert connection["redirect_targets"] == ["com.example.muninn-e2e:"]
    assert connection["scopes"] == ["read", "write"]
    assert connection["first_authorized_at"]
    # The gateway traded this access token for the tools call: "last used" is known, and
    # the trade is cached, so what refuses the token below is the revocation itself.
    assert connection["last_used_at"] is not None
    assert (await _tools_list(client, tokens.access_token)).status_code == 200

    stranger = await register(client, "mcp-stranger")
    foreign = await client.delete(
        f"/v1/me/connections/{registered.client_id}", headers=stranger.headers
    )
    assert foreign.status_code == 404
    gone = await client.delete(f"/v1/me/connections/{registered.client_id}", headers=user.headers)
    assert gone.status_code == 204, gone.text
    assert (await client.get("/v1/me/connections", headers=user.headers)).json()["items"] == []

    refreshed = await client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": registered.client_id,
            "client_secret": registered.client_secret or "",
        },
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    deadline = time.monotonic() + 5
    while (answer := await _tools_list(client, tokens.access_token)).status_code != 401:
        assert time.monotonic() < deadline, "the disconnected client's token still works"
        await asyncio.sleep(0.2)
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
