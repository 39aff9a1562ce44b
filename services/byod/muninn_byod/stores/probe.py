"""The port to a user's servers: what a MongoDB server answers, and whether a Qdrant takes a key.

Each probe connects straight to one address the outbound guard passed (``directConnection``:
no discovery of members it did not check) with every timeout bounded. Tests replace
:class:`MongoProbe` with fixed answers to reach every refusal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from muninn_shared.http.health import CANCEL_MARGIN_SECONDS
from muninn_shared.outbound import OutboundGuard, OutboundRefusedError, guarded_client
from muninn_shared.storage.mongo import mongo_deadline
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure, PyMongoError

from muninn_byod.stores.checks import HostPort

AUTHENTICATION_FAILED = 18
UNAUTHORIZED = 13


@dataclass(frozen=True)
class ProbeTarget:
    """One server of the store, and how to sign in to it."""

    address: HostPort
    tls: bool
    database: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    auth_source: str = "admin"
    auth_mechanism: str | None = None


@dataclass(frozen=True)
class ServerAnswers:
    hello: dict[str, Any]
    build_info: dict[str, Any]
    connection_status: dict[str, Any]
    # Whether listing the database's collections was allowed: how an unauthenticated
    # session tells a server without access control from one that requires a user.
    can_list_collections: bool


@dataclass(frozen=True)
class Measurement:
    latency_ms: float
    db_stats: dict[str, Any]


class ProbeFailedError(Exception):
    """The server could not be asked. ``code`` and ``str()`` are safe to show its owner."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class MongoProbe(Protocol):
    async def answers(self, target: ProbeTarget, *, timeout: float) -> ServerAnswers: ...

    async def measure(self, target: ProbeTarget, *, timeout: float) -> Measurement: ...


def direct_client(target: ProbeTarget, timeout: float) -> AsyncMongoClient[dict[str, Any]]:
    """A client of that one server only (no discovery), every wait bounded by ``timeout``."""
    milliseconds = max(1, int(timeout * 1000))
    options: dict[str, Any] = {
        "directConnection": True,
        "tls": target.tls,
        "serverSelectionTimeoutMS": milliseconds,
        "connectTimeoutMS": milliseconds,
        "socketTimeoutMS": milliseconds,
        "timeoutMS": milliseconds,
        "maxPoolSize": 1,
        "retryReads": False,
        "retryWrites": False,
        "appname": "muninn-byod",
    }
    if target.username is not None:
        options.update(
            username=target.username,
            password=target.password or "",
            authSource=target.auth_source,
        )
        if target.auth_mechanism is not None:
            options["authMechanism"] = target.auth_mechanism
    return AsyncMongoClient(str(target.address), **options)


class PyMongoProbe:
    """Asks a real server with pymongo's async client, one connection, bounded timeouts."""

    def _client(self, target: ProbeTarget, timeout: float) -> AsyncMongoClient[dict[str, Any]]:
        return direct_client(target, timeout)

    async def answers(self, target: ProbeTarget, *, timeout: float) -> ServerAnswers:
        async with self._session(target, timeout) as client:
            admin = client.admin
            hello = await admin.command("hello")
            build_info = await admin.command("buildInfo")
            status = await admin.command({"connectionStatus": 1, "showPrivileges": True})
            try:
                await client[target.database].list_collection_names()
                can_list = True
            except OperationFailure as exc:
                if exc.code != UNAUTHORIZED:
                    raise
                can_list = False
            return ServerAnswers(dict(hello), dict(build_info), dict(status), can_list)

    async def measure(self, target: ProbeTarget, *, timeout: float) -> Measurement:
        async with self._session(target, timeout) as client:
            started = time.perf_counter()
            await client.admin.command("ping")
            latency = (time.perf_counter() - started) * 1000
            stats = await client[target.database].command("dbStats")
            return Measurement(latency_ms=round(latency, 2), db_stats=dict(stats))

    def _session(self, target: ProbeTarget, timeout: float) -> _ProbeSession:
        try:
            client = self._client(target, timeout)
        except PyMongoError:
            raise ProbeFailedError(
                "store-uri-invalid", "The driver does not accept the connection string's settings."
            ) from None
        return _ProbeSession(client, timeout)


def probe_session(target: ProbeTarget, timeout: float, deadline: float) -> _ProbeSession:
    """A direct client to ``target`` whose whole use is bounded by ``deadline``, its errors
    turned into :class:`ProbeFailedError`."""
    try:
        client = direct_client(target, timeout)
    except PyMongoError:
        raise ProbeFailedError(
            "store-uri-invalid", "The driver does not accept the connection string's settings."
        ) from None
    return _ProbeSession(client, timeout, deadline)


class _ProbeSession:
    """The client for one probe: closed after it, its errors turned into ProbeFailedError,
    and the whole probe bounded (a few round trips of ``timeout`` each)."""

    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        timeout: float,
        deadline: float | None = None,
    ) -> None:
        self._client = client
        seconds = deadline if deadline is not None else timeout * 4
        # The driver's deadline ends the probe's operations; the cancelling one, a moment
        # later, only what is not PyMongo's (see muninn_shared.storage.mongo.mongo_deadline).
        self._driver_deadline = mongo_deadline(seconds)
        self._deadline = asyncio.timeout(seconds + CANCEL_MARGIN_SECONDS)

    async def __aenter__(self) -> AsyncMongoClient[dict[str, Any]]:
        self._driver_deadline.__enter__()
        await self._deadline.__aenter__()
        return self._client

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        try:
            await self._client.close()
        finally:
            self._driver_deadline.__exit__(None, None, None)
            try:
                await self._deadline.__aexit__(kind, exc, tb)
            except TimeoutError:
                raise ProbeFailedError(
                    "store-unreachable", "The server did not answer in time."
                ) from None
        if exc is None:
            return
        if isinstance(exc, OperationFailure) and exc.code == AUTHENTICATION_FAILED:
            raise ProbeFailedError(
                "store-credentials-rejected",
                "The server did not accept the user name and password.",
            ) from None
        if isinstance(exc, OperationFailure) and exc.code == UNAUTHORIZED:
            raise ProbeFailedError(
                "store-privileges-insufficient",
                "The account may not run the commands Muninn needs on the server.",
            ) from None
        if isinstance(exc, PyMongoError):
            text = str(exc).lower()
            if any(sign in text for sign in ("ssl", "certificate", "handshake")):
                raise ProbeFailedError(
                    "store-tls-failed",
                    "The TLS handshake with the server failed (is its certificate valid for its name?).",
                ) from None
            raise ProbeFailedError(
                "store-unreachable", "The server could not be reached, or did not answer in time."
            ) from None


class QdrantProbe(Protocol):
    async def check(self, url: str, api_key: str | None, *, timeout: float) -> None: ...


class HttpQdrantProbe:
    """Lists the collections of a Qdrant through the outbound guard, with its API key."""

    def __init__(
        self,
        guard: OutboundGuard,
        client_factory: Callable[[OutboundGuard, float], httpx.AsyncClient] | None = None,
    ) -> None:
        self._guard = guard
        self._client_factory = client_factory or (
            lambda guard, timeout: guarded_client(guard, timeout=timeout)
        )

    async def check(self, url: str, api_key: str | None, *, timeout: float) -> None:
        headers = {"api-key": api_key} if api_key is not None else {}
        try:
            async with self._client_factory(self._guard, timeout) as http:
                response = await http.get(f"{url.rstrip('/')}/collections", headers=headers)
        except OutboundRefusedError as exc:
            raise ProbeFailedError("qdrant-address-refused", exc.public_message) from None
        except httpx.HTTPError:
            raise ProbeFailedError(
                "qdrant-unreachable", "Qdrant could not be reached, or did not answer in time."
            ) from None
        if response.status_code in (401, 403):
            raise ProbeFailedError("qdrant-key-rejected", "Qdrant did not accept the API key.")
        try:
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or "result" not in body:
            raise ProbeFailedError(
                "qdrant-refused",
                f"The URL did not answer as Qdrant does (HTTP {response.status_code}).",
            )
