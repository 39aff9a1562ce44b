"""A small WebDAV client over a guarded httpx client: Basic auth with an app password,
bounded answers, same-host redirects only, and HTTP failures mapped to the port's errors."""

from __future__ import annotations

import base64
import email.utils
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from muninn_integrations.connectors.http import reaching, read_body
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    CursorExpiredError,
    SourceRejectedError,
    SourceUnavailableError,
)

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 3600.0
_REDIRECTS = {301, 302, 303, 307, 308}
_SAFE_PATH = "/@:+,;=~!$&'()*"


@dataclass(frozen=True)
class DavCredentials:
    username: str
    password: str = field(repr=False)

    def header(self) -> str:
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class DavReply:
    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL


def encode_path(path: str) -> str:
    return quote(path, safe=_SAFE_PATH)


class DavClient:
    """Requests to one DAV server; ``base_url`` is what the user typed (the origin is
    what counts: every path requested is joined to it)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        credentials: DavCredentials,
        *,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._http = http
        self.base_url = httpx.URL(base_url)
        self._authorization = credentials.header()
        self._max_response_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"DavClient({self.base_url.scheme}://{self.base_url.host})"

    def url(self, path: str) -> httpx.URL:
        return self.base_url.copy_with(raw_path=encode_path(path).encode(), query=None)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        depth: str | None = None,
        writing: bool = False,
    ) -> DavReply:
        """The answer to ``method path`` once it is not an error; redirects within the same
        host are followed, a redirect elsewhere is refused (it would carry the password)."""
        url = self.url(path)
        send_headers = {"Authorization": self._authorization, **(headers or {})}
        if body is not None:
            send_headers.setdefault("Content-Type", "application/xml; charset=utf-8")
        if depth is not None:
            send_headers["Depth"] = depth
        for _ in range(MAX_REDIRECTS + 1):
            reply = await self._send(method, url, body, send_headers)
            if reply.status not in _REDIRECTS:
                raise_for_status(reply, writing=writing)
                return reply
            url = self._redirect_target(reply)
        raise SourceRejectedError("The server redirected too many times.")

    def _redirect_target(self, reply: DavReply) -> httpx.URL:
        location = reply.headers.get("Location")
        if not location:
            raise SourceRejectedError("The server redirected without saying where.")
        target = reply.url.join(location)
        if target.host != self.base_url.host:
            raise SourceRejectedError(
                "The server redirected to another host; enter that server's address instead."
            )
        return target

    async def _send(
        self, method: str, url: httpx.URL, body: bytes | None, headers: dict[str, str]
    ) -> DavReply:
        too_large = SourceUnavailableError("The server's answer was too large.")
        with reaching("The server"):
            async with self._http.stream(method, url, content=body, headers=headers) as response:
                content = await read_body(response, self._max_response_bytes, too_large)
                return DavReply(response.status_code, response.headers, content, url)


def raise_for_status(reply: DavReply, *, writing: bool) -> None:
    status = reply.status
    if status < 400:
        return
    if status in (403, 409, 410) and b"valid-sync-token" in reply.body[:65536]:
        raise CursorExpiredError("The server no longer knows the sync position; syncing in full.")
    if status == 401:
        raise CredentialsRejectedError("The server refused the user name or app password.")
    if status == 412:
        raise SourceRejectedError("The item changed at the server since it was read.")
    if status == 429 or status >= 500:
        raise SourceUnavailableError(
            f"The server is unavailable (HTTP {status}).",
            retry_after=retry_after(reply.headers.get("Retry-After")),
        )
    if status == 403 and not writing:
        raise CredentialsRejectedError("The server refused access with these credentials.")
    raise SourceRejectedError(f"The server refused the request (HTTP {status}).")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max((moment - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)
