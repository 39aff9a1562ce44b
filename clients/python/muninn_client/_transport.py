"""HTTP with Muninn's rules: credentials, token refresh, bounded retries, problem+json errors.

Retries: a 429 (refused before any work) and a 503 (a service or store down) are retried
for any method, after the ``Retry-After`` the server gave; a connection failure, 502 or 504
only for idempotent methods (a POST may have been applied). At most ``max_retries`` times,
and never when the server asks to wait longer than ``max_retry_wait`` seconds: then the
error is raised with its ``retry_after`` for the caller to decide.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel

from muninn_client._convert import dump_body, query_params
from muninn_client.auth import Credential, Tokens, authorization
from muninn_client.errors import TransportError, error_from_response, retry_after_seconds

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_ANY_METHOD = frozenset({429, 503})
RETRY_IDEMPOTENT = frozenset({502, 504})
REFRESH_PATH = "/v1/auth/refresh"
USER_AGENT = "muninn-client/0.1"


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_seconds: float = 0.5
    max_retry_wait: float = 30.0

    def wait(self, method: str, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None when it must not be retried."""
        if attempt >= self.max_retries:
            return None
        if response is None:
            retryable = method in IDEMPOTENT
        else:
            status = response.status_code
            retryable = status in RETRY_ANY_METHOD or (
                status in RETRY_IDEMPOTENT and method in IDEMPOTENT
            )
        if not retryable:
            return None
        asked = retry_after_seconds(response) if response is not None else None
        if asked is not None:
            return asked if asked <= self.max_retry_wait else None
        backoff: float = self.backoff_seconds * 2**attempt
        return min(self.max_retry_wait, backoff * (0.5 + random.random() / 2))


@dataclass
class Request:
    method: str
    path: str
    params: list[tuple[str, str]]
    json: Any
    content: bytes | None
    headers: dict[str, str]

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: BaseModel | Mapping[str, Any] | None,
        content: bytes | None,
        headers: Mapping[str, Any] | None,
    ) -> Request:
        sent = {k: str(v) for k, v in (headers or {}).items() if v is not None}
        sent.setdefault("Accept", "application/json")
        return cls(
            method.upper(),
            path,
            query_params(params),
            dump_body(json) if json is not None else None,
            content,
            sent,
        )

    def send_args(self, credential: Credential | None) -> dict[str, Any]:
        headers = {**authorization(credential), **self.headers}
        args: dict[str, Any] = {"params": self.params, "headers": headers}
        if self.json is not None:
            args["json"] = self.json
        elif self.content is not None:
            args["content"] = self.content
        return args


def _refreshable(response: httpx.Response, credential: Credential | None, path: str) -> str | None:
    """The access token to replace when a 401 can be cured by refreshing it."""
    if (
        response.status_code == 401
        and isinstance(credential, Tokens)
        and credential.refresh_token is not None
        and path != REFRESH_PATH
    ):
        return credential.access_token
    return None


class SyncTransport:
    def __init__(
        self,
        base_url: str,
        credential: Credential | None,
        *,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy,
        http: httpx.Client | None = None,
    ) -> None:
        self.credential = credential
        self.retry = retry
        self._http = http or httpx.Client(
            base_url=base_url, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
        self._refresh_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: BaseModel | Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        call = Request.build(method, path, params, json, content, headers)
        response = self._send(call)
        response.read()
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> Iterator[httpx.Response]:
        """An answer whose body is read as it arrives (server-sent events)."""
        call = Request.build(method, path, None, json, None, headers)
        response = self._send(call, stream=True)
        try:
            if response.status_code >= 400:
                response.read()
                raise error_from_response(response)
            yield response
        finally:
            response.close()

    def _send(self, call: Request, *, stream: bool = False) -> httpx.Response:
        attempt = 0
        refreshed = False
        while True:
            self._refresh_if_expiring(call.path)
            credential = self.credential
            try:
                request = self._http.build_request(
                    call.method, call.path, **call.send_args(credential)
                )
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                wait = self.retry.wait(call.method, attempt, None)
                if wait is None:
                    raise TransportError(f"{call.method} {call.path}: {exc!r}") from exc
                attempt += 1
                time.sleep(wait)
                continue
            expired = None if refreshed else _refreshable(response, credential, call.path)
            if expired is not None:
                response.close()
                self._refresh(expired)
                refreshed = True
                continue
            wait = self.retry.wait(call.method, attempt, response)
            if wait is None:
                return response
            response.close()
            attempt += 1
            time.sleep(wait)

    def _refresh_if_expiring(self, path: str) -> None:
        credential = self.credential
        if isinstance(credential, Tokens) and path != REFRESH_PATH and credential.expiring():
            self._refresh(credential.access_token)

    def _refresh(self, seen_access: str) -> None:
        with self._refresh_lock:
            tokens = self.credential
            if not isinstance(tokens, Tokens) or tokens.refresh_token is None:
                return
            if tokens.access_token != seen_access:
                return  # refreshed by another request meanwhile
            answer = self.request(
                "POST", REFRESH_PATH, json={"refresh_token": tokens.refresh_token}
            ).json()
            tokens.replace_with(
                answer["access_token"], answer["refresh_token"], float(answer["expires_in"])
            )


class AsyncTransport:
    def __init__(
        self,
        base_url: str,
        credential: Credential | None,
        *,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.credential = credential
        self.retry = retry
        self._http = http or httpx.AsyncClient(
            base_url=base_url, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
        self._refresh_lock: asyncio.Lock | None = None

    async def close(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: BaseModel | Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        call = Request.build(method, path, params, json, content, headers)
        response = await self._send(call)
        await response.aread()
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        call = Request.build(method, path, None, json, None, headers)
        response = await self._send(call, stream=True)
        try:
            if response.status_code >= 400:
                await response.aread()
                raise error_from_response(response)
            yield response
        finally:
            await response.aclose()

    async def _send(self, call: Request, *, stream: bool = False) -> httpx.Response:
        attempt = 0
        refreshed = False
        while True:
            await self._refresh_if_expiring(call.path)
            credential = self.credential
            try:
                request = self._http.build_request(
                    call.method, call.path, **call.send_args(credential)
                )
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                wait = self.retry.wait(call.method, attempt, None)
                if wait is None:
                    raise TransportError(f"{call.method} {call.path}: {exc!r}") from exc
                attempt += 1
                await asyncio.sleep(wait)
                continue
            expired = None if refreshed else _refreshable(response, credential, call.path)
            if expired is not None:
                await response.aclose()
                await self._refresh(expired)
                refreshed = True
                continue
            wait = self.retry.wait(call.method, attempt, response)
            if wait is None:
                return response
            await response.aclose()
            attempt += 1
            await asyncio.sleep(wait)

    async def _refresh_if_expiring(self, path: str) -> None:
        credential = self.credential
        if isinstance(credential, Tokens) and path != REFRESH_PATH and credential.expiring():
            await self._refresh(credential.access_token)

    async def _refresh(self, seen_access: str) -> None:
        if self._refresh_lock is None:
            self._refresh_lock = asyncio.Lock()
        async with self._refresh_lock:
            tokens = self.credential
            if not isinstance(tokens, Tokens) or tokens.refresh_token is None:
                return
            if tokens.access_token != seen_access:
                return  # refreshed by another request meanwhile
            answer = (
                await self.request(
                    "POST", REFRESH_PATH, json={"refresh_token": tokens.refresh_token}
                )
            ).json()
            tokens.replace_with(
                answer["access_token"], answer["refresh_token"], float(answer["expires_in"])
            )
