"""Real HTTP all the way: fake services and the gateway run under uvicorn on loopback ports."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from muninn_gateway.main import create_app
from muninn_gateway.settings import GatewaySettings
from muninn_shared.signing import SigningKeyRing, TokenIssuer
from pydantic import BaseModel

from tests import loopback

VALID_KEY = "mk_" + "k" * 43
KEY_USER = "user-with-key"
WRONG_PASSWORD = "wrong password"


@dataclass
class UpstreamState:
    verify_calls: int = 0
    jwks: dict[str, Any] = field(default_factory=dict)
    """What the fake identity publishes at /.well-known/jwks.json."""
    jwks_fetches: int = 0
    memory_ready: bool = True
    releases: dict[str, asyncio.Event] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    closed_streams: dict[str, asyncio.Event] = field(default_factory=dict)

    def release(self, run: str) -> asyncio.Event:
        return self.releases.setdefault(run, asyncio.Event())

    def closed(self, run: str) -> asyncio.Event:
        return self.closed_streams.setdefault(run, asyncio.Event())


@dataclass(frozen=True)
class Upstreams:
    identity: str
    conversation: str
    memory: str
    closed: str
    state: UpstreamState


def free_closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def serving(app: Any) -> AbstractAsyncContextManager[str]:
    # The test client is on loopback, which uvicorn would otherwise trust as a proxy.
    return loopback.serving(app, lifespan="on", proxy_headers=False)


async def echo(request: Request) -> dict[str, Any]:
    body = await request.body()
    return {
        "method": request.method,
        "path": request.url.path,
        "raw_path": request.scope.get("raw_path", b"").decode("latin-1"),
        "query": request.scope["query_string"].decode("latin-1"),
        "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers.raw},
        "body": body.decode("utf-8", "replace"),
    }


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": "Error", "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


ECHO_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


def identity_app(codec: TokenIssuer, state: UpstreamState) -> FastAPI:
    app = FastAPI(title="fake identity")
    state.jwks = codec.ring.jwks()

    @app.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, Any]:
        state.jwks_fetches += 1
        return state.jwks

    @app.post("/v1/auth/login")
    async def login(request: Request) -> Any:
        if (await request.json()).get("password") == WRONG_PASSWORD:
            return problem(401, "Wrong e-mail or password.")
        return await echo(request)

    @app.post("/v1/auth/register")
    async def register(request: Request) -> dict[str, Any]:
        return await echo(request)

    @app.api_route("/v1/me", methods=ECHO_METHODS, include_in_schema=False)
    @app.api_route("/v1/me/{rest:path}", methods=ECHO_METHODS, include_in_schema=False)
    async def me(request: Request) -> dict[str, Any]:
        return await echo(request)

    @app.post("/internal/api-keys/verify")
    async def verify(request: Request) -> Any:
        state.verify_calls += 1
        key = (await request.json()).get("key")
        if key != VALID_KEY:
            return problem(401, "The API key is not valid.")
        token = codec.issue(KEY_USER, scopes=("read",), api_key_id="key-1", ttl_seconds=300)
        return {
            "user_id": KEY_USER,
            "api_key_id": "key-1",
            "scopes": ["read"],
            "access_token": token,
            "expires_in": 300,
        }

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


class Shared(BaseModel):
    """Identical in both fake services: merged once."""

    ok: bool


def sse(*events: str) -> bytes:
    return "".join(f"data: {e}\n\n" for e in events).encode()


def conversation_app(state: UpstreamState) -> FastAPI:
    app = FastAPI(title="fake conversation")

    # "Item" differs between the fake services; "ItemPage" reads the same in both but wraps
    # each one's own Item, so it must be told apart too.
    class Item(BaseModel):
        id: str
        title: str

    class ItemPage(BaseModel):
        items: list[Item]
        shared: Shared

    @app.get("/v1/conversations/{conversation_id}/item", response_model=Item)
    async def item(conversation_id: str) -> Any:
        return Item(id=conversation_id, title="t")

    @app.get("/v1/conversations/{conversation_id}/page", response_model=ItemPage)
    async def page(conversation_id: str) -> Any:
        return ItemPage(items=[], shared=Shared(ok=True))

    @app.get("/v1/foreign/thing", response_model=Shared)
    async def foreign() -> Any:
        return Shared(ok=True)

    @app.get("/internal/secret")
    async def secret() -> dict[str, str]:
        return {"secret": "yes"}

    @app.post("/v1/chat/completions")
    async def completions(run: str) -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            yield sse("first")
            await asyncio.wait_for(state.release(run).wait(), 10)
            yield sse("second", "[DONE]")
            state.finished.add(run)

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/v1/conversations/endless-stream-x1/events")
    async def endless(run: str) -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            try:
                n = 0
                while True:
                    yield sse(f"tick {n}")
                    n += 1
                    await asyncio.sleep(0.05)
            finally:
                state.closed(run).set()

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/v1/conversations/pause-stream-x1/events")
    async def paused_stream() -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            yield sse("before")
            await asyncio.sleep(1.0)
            yield sse("after")

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/v1/conversations/pause-body-x1")
    async def paused_body() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"part one;"
            await asyncio.sleep(1.0)
            yield b"part two"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/v1/conversations/cookie-x1")
    async def cookie() -> JSONResponse:
        response = JSONResponse({"set": True})
        response.set_cookie("session", "for-whoever-called-first")
        return response

    @app.get("/v1/conversations/redirect-x1")
    async def redirect(request: Request) -> RedirectResponse:
        return RedirectResponse(str(request.base_url) + "v1/conversations/target", 307)

    @app.api_route("/v1/conversations", methods=ECHO_METHODS, include_in_schema=False)
    @app.api_route("/v1/conversations/{rest:path}", methods=ECHO_METHODS, include_in_schema=False)
    async def conversations(request: Request) -> dict[str, Any]:
        return await echo(request)

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def memory_app(state: UpstreamState) -> FastAPI:
    app = FastAPI(title="fake memory")

    class Item(BaseModel):
        id: str
        text: str
        score: float

    class ItemPage(BaseModel):
        items: list[Item]
        shared: Shared

    @app.get("/v1/memories/slow-x1")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(10)
        return {"late": "yes"}

    @app.get("/v1/memories/{memory_id}/item", response_model=Item)
    async def item(memory_id: str) -> Any:
        return Item(id=memory_id, text="x", score=1.0)

    @app.get("/v1/memories/{memory_id}/page", response_model=ItemPage)
    async def page(memory_id: str) -> Any:
        return ItemPage(items=[], shared=Shared(ok=True))

    @app.api_route("/v1/memories/{rest:path}", methods=ECHO_METHODS, include_in_schema=False)
    @app.api_route("/mem0/{rest:path}", methods=ECHO_METHODS, include_in_schema=False)
    async def memories(request: Request) -> dict[str, Any]:
        return await echo(request)

    @app.get("/readyz")
    async def readyz() -> Any:
        if state.memory_ready:
            return {"status": "ready"}
        return problem(503, "mongodb down")

    return app


@pytest.fixture(scope="session")
def codec() -> TokenIssuer:
    """Signs as identity does; the gateway knows only the public keys, from the fake identity."""
    settings = GatewaySettings()
    return TokenIssuer(
        SigningKeyRing.generate(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )


@pytest.fixture(scope="session")
async def upstreams(codec: TokenIssuer) -> AsyncIterator[Upstreams]:
    state = UpstreamState()
    async with (
        serving(identity_app(codec, state)) as identity,
        serving(conversation_app(state)) as conversation,
        serving(memory_app(state)) as memory,
    ):
        yield Upstreams(
            identity=identity,
            conversation=conversation,
            memory=memory,
            closed=f"http://127.0.0.1:{free_closed_port()}",
            state=state,
        )


def settings_for(upstreams: Upstreams, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "log_level": "WARNING",
        "identity_url": upstreams.identity,
        # Explicit: a run that also holds the integration tests has MUNINN_JWKS_URL set.
        "jwks_url": f"{upstreams.identity}/.well-known/jwks.json",
        "conversation_url": upstreams.conversation,
        "memory_url": upstreams.memory,
        "scheduler_url": upstreams.closed,
        "integrations_url": upstreams.closed,
        "byod_url": upstreams.closed,
        "upstream_timeout_seconds": 5.0,
        "route_read_timeouts": {
            "/v1/memories/slow-x1": 0.5,
            "/v1/conversations/pause-stream-x1": 0.3,
            "/v1/conversations/pause-body-x1": 0.3,
        },
        "stream_idle_timeout_seconds": 5.0,
        "max_body_bytes": 1024,
        "route_max_body_bytes": {"/v1/memories/upload": 4096},
        "rate_limit_user_burst": 100_000,
        "rate_limit_ip_burst": 100_000,
        "rate_limit_public_burst": 100_000,
        "readiness_upstreams": ["identity", "conversation", "memory"],
        "cors_allowed_origins": ["https://app.example"],
        # No broker here; tests/integration/test_gateway_revocations.py reads a real one.
        "revocation_feed_enabled": False,
    }
    values.update(overrides)
    return GatewaySettings(**values)


GatewayFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(scope="session")
async def gateway_url(upstreams: Upstreams) -> AsyncIterator[str]:
    async with serving(create_app(settings_for(upstreams))) as url:
        yield url


@pytest.fixture(scope="session")
async def client(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=20) as http:
        yield http


@pytest.fixture(scope="session")
def make_gateway(upstreams: Upstreams) -> GatewayFactory:
    """A fresh gateway (own limits, own caches) driven in-process through ASGI."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings_for(upstreams, **overrides))
        async with (
            LifespanManager(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=20
            ) as http,
        ):
            yield http

    return make


@pytest.fixture(scope="session")
def bearer(codec: TokenIssuer) -> Callable[[str], dict[str, str]]:
    def headers(user_id: str = "user-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {codec.issue(user_id)}"}

    return headers


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["title"]
    return body


@pytest.fixture(scope="session")
def problem_of() -> Callable[[httpx.Response, int], dict[str, Any]]:
    return assert_problem
