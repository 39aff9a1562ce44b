"""Calls to Google's JSON APIs with a bearer token that is refreshed when it expires, or
once when Google answers 401, and saved back to the vault whenever it changes; Google's
error answers mapped to the connector port's errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from muninn_shared.logging import get_logger

from muninn_integrations.connectors.dav.client import retry_after
from muninn_integrations.connectors.google.oauth import GoogleOAuth, GoogleTokens
from muninn_integrations.connectors.http import reaching, read_body
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    CursorExpiredError,
    SourceRejectedError,
    SourceUnavailableError,
)

log = get_logger(__name__)

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# 403 reasons that mean "slow down", not "forbidden".
_RATE_LIMITS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "RATE_LIMIT_EXCEEDED"}
)
_EXPIRED_SYNC = frozenset({"fullSyncRequired", "EXPIRED_SYNC_TOKEN", "updatedMinTooLongAgo"})

SaveTokens = Callable[[GoogleTokens], Awaitable[None]]


class ResponseTooLargeError(SourceUnavailableError):
    """The answer passed the byte limit of the call (a huge mail: fetch less of it)."""


class TokenHolder:
    """The connection's tokens for the connector's life; one refresh at a time."""

    def __init__(self, tokens: GoogleTokens, oauth: GoogleOAuth, save: SaveTokens | None) -> None:
        self._tokens = tokens
        self._oauth = oauth
        self._save = save
        self._lock = asyncio.Lock()

    @property
    def tokens(self) -> GoogleTokens:
        return self._tokens

    async def access_token(self) -> str:
        async with self._lock:
            if self._tokens.expired():
                await self._refresh("expired")
            return self._tokens.access_token

    async def after_rejection(self, rejected: str) -> str:
        """A fresh access token after Google refused ``rejected`` (revoked early, or the
        clocks disagree); another call may have refreshed it meanwhile."""
        async with self._lock:
            if self._tokens.access_token == rejected:
                await self._refresh("rejected")
            return self._tokens.access_token

    async def _refresh(self, why: str) -> None:
        self._tokens = await self._oauth.refresh(self._tokens)
        log.info("google_token_refreshed", why=why, expires_at=self._tokens.expires_at)
        if self._save is not None:
            await self._save(self._tokens)


@dataclass(frozen=True)
class GoogleReply:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            raise SourceUnavailableError(
                "Google answered with something that is not JSON."
            ) from None
        if not isinstance(value, dict):
            raise SourceUnavailableError("Google answered with something that is not an object.")
        return value


class GoogleApi:
    def __init__(self, http: httpx.AsyncClient, holder: TokenHolder) -> None:
        self._http = http
        self.holder = holder

    async def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        writing: bool = False,
        allow: frozenset[int] = frozenset(),
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> GoogleReply:
        """The answer once it is not an error (or its status is in ``allow``)."""
        token = await self.holder.access_token()
        reply = await self._send(method, url, params, body, headers, token, max_bytes)
        if reply.status == 401:
            token = await self.holder.after_rejection(token)
            reply = await self._send(method, url, params, body, headers, token, max_bytes)
        if reply.status >= 400 and reply.status not in allow:
            raise google_error(reply, writing=writing)
        return reply

    async def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return (await self.call("GET", url, params=params)).json()

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        token: str,
        max_bytes: int,
    ) -> GoogleReply:
        send_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        send_headers.update(headers or {})
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            send_headers["Content-Type"] = "application/json"
        too_large = ResponseTooLargeError("Google's answer was too large.")
        with reaching("Google"):
            async with self._http.stream(
                method, url, params=_params(params), content=content, headers=send_headers
            ) as response:
                reply = await read_body(response, max_bytes, too_large)
                return GoogleReply(response.status_code, response.headers, reply)


def _params(
    params: Mapping[str, Any] | None,
) -> list[tuple[str, str | int | float | bool | None]] | None:
    if params is None:
        return None
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((name, text))
    return pairs


def error_reasons(reply: GoogleReply) -> set[str]:
    """The machine-readable reasons of a Google error answer (v1 ``errors[].reason`` and
    v2 ``status`` / ``details[].reason``)."""
    try:
        error = json.loads(reply.body[:65536] or b"{}").get("error", {})
    except (ValueError, AttributeError):
        return set()
    if not isinstance(error, dict):
        return set()
    reasons = {str(error.get("status", ""))}
    for item in error.get("errors", []) or []:
        if isinstance(item, dict):
            reasons.add(str(item.get("reason", "")))
    for item in error.get("details", []) or []:
        if isinstance(item, dict):
            reasons.add(str(item.get("reason", "")))
    return reasons - {""}


def google_error(reply: GoogleReply, *, writing: bool) -> Exception:
    status = reply.status
    reasons = error_reasons(reply)
    if writing and status in (404, 410):  # 410: the event was deleted already
        return SourceRejectedError("No such event in this account's calendars.")
    if status == 410 or reasons & _EXPIRED_SYNC:
        return CursorExpiredError("Google no longer knows the sync position; syncing in full.")
    if status == 429 or status >= 500 or (status == 403 and reasons & _RATE_LIMITS):
        return SourceUnavailableError(
            f"Google is unavailable or rate-limiting (HTTP {status}).",
            retry_after=retry_after(reply.headers.get("Retry-After")),
        )
    if status == 401:
        return CredentialsRejectedError(
            "Google refused the authorization; connect the account again."
        )
    if status == 412:
        return SourceRejectedError("The item changed at the server since it was read.")
    if writing and status == 403:
        return SourceRejectedError("This calendar is read-only.")
    if status == 403:
        return CredentialsRejectedError(
            "Google refused access (a permission was not granted); connect the account again."
        )
    return SourceRejectedError(f"Google refused the request (HTTP {status}).")
