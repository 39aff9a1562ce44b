"""The pooled HTTP/1.1 connections the gateway forwards over.

aiohttp rather than httpx on this path: on loopback a small proxied call costs ~0.5 ms with
aiohttp and 1.5-1.9 ms (p95 2-5 ms) with httpx, whose pure-Python HTTP parser and anyio layers
run for every request (bench/http_clients.py, bench/README.md). The gateway's other outbound calls (API-key
exchange, OpenAPI documents, health) stay on the shared httpx client.
"""

from __future__ import annotations

import aiohttp

# Below uvicorn's keep-alive (5 s): a service never closes a connection the pool is about to
# reuse.
KEEPALIVE_SECONDS = 4.0


class UpstreamPool:
    """One aiohttp session for the process, opened on first use (it needs the running loop)."""

    def __init__(self, *, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, keepalive_timeout=KEEPALIVE_SECONDS
                ),
                # A proxy: bodies pass as the service encoded them, no cookies are kept
                # between callers, and only the headers the gateway chose are sent.
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                trust_env=False,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
