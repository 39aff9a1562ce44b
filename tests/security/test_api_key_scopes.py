"""A read-only API key can read everything and change nothing, on every route of the API.

Every service's real app is built in-process and served on loopback behind a real gateway;
the operations come from the gateway's merged OpenAPI document, so a route added later is
covered without touching this test. The services' MongoDB and Kafka addresses point at
closed ports and their lifespans never run: a refusal that came after the handler had
touched state would surface as a server error, not as ``insufficient-scope``.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from muninn_devstack.servers import free_port
from muninn_gateway.main import create_app as create_gateway
from muninn_gateway.settings import GatewaySettings
from muninn_shared.http.scopes import SAFE_METHODS, SCOPE_EXTENSION
from muninn_shared.problems import PROBLEM_BASE

from tests import loopback
from tests.integration.tokens import identity_token_issuer

SERVICES = ("identity", "conversation", "memory", "scheduler", "integrations", "byod")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
PATH_PARAMETER = re.compile(r"\{[^}]+\}")
# The refresh token in the body is the authority here, not the caller's access token.
AUTHORISED_BY_THEIR_BODY = frozenset({"POST /v1/auth/logout"})


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    declared_scope: str | None
    public: bool

    @property
    def open_to_a_reader(self) -> bool:
        if self.public or f"{self.method} {self.path}" in AUTHORISED_BY_THEIR_BODY:
            return True
        if self.declared_scope is not None:
            return self.declared_scope == "read"
        return self.method in SAFE_METHODS

    def url(self) -> str:
        return PATH_PARAMETER.sub("scope-check-1", self.path)


def serving(app: Any, *, lifespan: Literal["on", "off"]) -> AbstractAsyncContextManager[str]:
    return loopback.serving(app, lifespan=lifespan, proxy_headers=False)


def unreachable_infrastructure() -> dict[str, Any]:
    return {
        "mongo_uri": f"mongodb://127.0.0.1:{free_port()}/?directConnection=true"
        "&serverSelectionTimeoutMS=150&connectTimeoutMS=150",
        "kafka_bootstrap": f"127.0.0.1:{free_port()}",
        "log_level": "WARNING",
    }


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    async with AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        for service in SERVICES:
            main = importlib.import_module(f"muninn_{service}.main")
            settings_module = importlib.import_module(f"muninn_{service}.settings")
            settings_class = next(
                value
                for name, value in vars(settings_module).items()
                if name.endswith("Settings")
                and getattr(value, "__module__", "") == settings_module.__name__
            )
            app = main.create_app(settings_class(**unreachable_infrastructure()))
            urls[f"{service}_url"] = await stack.enter_async_context(serving(app, lifespan="off"))
        gateway_app = create_gateway(
            GatewaySettings(
                **urls,
                log_level="WARNING",
                rate_limit_enabled=False,
                revocation_feed_enabled=False,
                upstream_timeout_seconds=20,
            )
        )
        gateway_url = await stack.enter_async_context(serving(gateway_app, lifespan="on"))
        yield await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))


@pytest.fixture(scope="module")
async def operations(gateway: httpx.AsyncClient) -> list[Operation]:
    document = (await gateway.get("/openapi.json")).json()
    found = [
        Operation(
            method.upper(),
            path,
            operation.get(SCOPE_EXTENSION),
            public=operation.get("security") == [],
        )
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    paths = {o.path for o in found}
    assert {"/v1/me", "/v1/conversations", "/v1/memories", "/v1/reminders"} <= paths
    return found


def key_token(*scopes: str) -> str:
    return identity_token_issuer(ttl_seconds=300).issue(
        "key-holder-1", scopes=scopes, api_key_id="key-1", ttl_seconds=300
    )


async def call(
    gateway: httpx.AsyncClient, operation: Operation, scopes: tuple[str, ...] = ("read",)
) -> httpx.Response:
    return await gateway.request(
        operation.method,
        operation.url(),
        headers={"Authorization": f"Bearer {key_token(*scopes)}"},
        json=None if operation.method in SAFE_METHODS else {},
    )


def refused_for_scope(response: httpx.Response, operation: Operation) -> bool:
    """Refused for what the credential lacks: a scope, or being the operator (which no key is)."""
    if response.status_code != 403:
        return False
    assert response.headers["content-type"].startswith("application/problem+json")
    expected = "operator-only" if operation.declared_scope == "operator" else "insufficient-scope"
    return bool(response.json().get("type") == PROBLEM_BASE + expected)


async def call_all(
    gateway: httpx.AsyncClient, operations: list[Operation], scopes: tuple[str, ...] = ("read",)
) -> list[tuple[Operation, httpx.Response]]:
    # Concurrently: a read waits out the services' MongoDB timeout before its error comes back.
    responses = await asyncio.gather(*(call(gateway, o, scopes) for o in operations))
    return list(zip(operations, responses, strict=True))


async def test_a_read_only_key_changes_nothing_anywhere(
    gateway: httpx.AsyncClient, operations: list[Operation]
) -> None:
    changing = [o for o in operations if not o.open_to_a_reader]
    assert len(changing) > 50
    allowed = [
        f"{operation.method} {operation.path}: {response.status_code}"
        for operation, response in await call_all(gateway, changing)
        if not refused_for_scope(response, operation)
    ]
    assert not allowed, "a read-only key was not refused:\n" + "\n".join(allowed)


async def test_a_read_only_key_reads_everything(
    gateway: httpx.AsyncClient, operations: list[Operation]
) -> None:
    """Reads, POSTs declared as reads (search, export) and the public sign-in routes, which a
    stale credential must not break."""
    reading = [o for o in operations if o.open_to_a_reader]
    assert {"/v1/memories/search", "/v1/me/export", "/v1/auth/login"} <= {
        o.path for o in reading if o.method == "POST"
    }
    refused = [
        f"{operation.method} {operation.path}"
        for operation, response in await call_all(gateway, reading)
        if refused_for_scope(response, operation)
    ]
    assert not refused, "a read-only key was refused a read:\n" + "\n".join(refused)


async def test_a_read_write_key_is_refused_only_the_admin_and_operator_operations(
    gateway: httpx.AsyncClient, operations: list[Operation]
) -> None:
    admin = {o for o in operations if o.declared_scope in ("admin", "operator")}
    assert {("POST", "/v1/me/api-keys"), ("DELETE", "/v1/me"), ("GET", "/v1/admin/users")} <= {
        (o.method, o.path) for o in admin
    }
    refused = {
        operation
        for operation, response in await call_all(gateway, operations, ("read", "write"))
        if refused_for_scope(response, operation)
    }
    assert refused == admin


async def test_an_admin_key_is_no_operator_whatever_it_claims(
    gateway: httpx.AsyncClient, operations: list[Operation]
) -> None:
    """``admin`` is every scope of one's own account; running the instance is another thing."""
    operator_only = [o for o in operations if o.declared_scope == "operator"]
    assert {(o.method, o.path) for o in operator_only} >= {
        ("GET", "/v1/admin/users"),
        ("GET", "/v1/admin/users/{user_id}"),
        ("GET", "/v1/admin/index"),
    }
    for scopes in (("read", "write", "admin"), ("read", "write", "admin", "operator")):
        refused = [
            operation
            for operation, response in await call_all(gateway, operator_only, scopes)
            if refused_for_scope(response, operation)
        ]
        assert refused == operator_only, scopes
