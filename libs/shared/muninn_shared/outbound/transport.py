"""An httpx transport that connects only to addresses the guard checked.

The host is resolved and checked inside the connection attempt itself and the socket is
opened to the very address that passed, so DNS answering differently between a check and
the connect (rebinding) cannot steer a call inside the network. TLS still verifies, and the
``Host`` header and SNI still carry, the name from the URL.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpcore
import httpx

from muninn_shared.outbound.guard import OutboundGuard


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, guard: OutboundGuard, inner: httpcore.AsyncNetworkBackend) -> None:
        self._guard = guard
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.addresses(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None  # addresses() never answers an empty list
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable through the outbound guard")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (pooling, TLS, error mapping) over the guarded backend; no
    proxies, no environment settings, no unix sockets."""

    def __init__(self, guard: OutboundGuard, *, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._guard = guard
        # httpx builds its pool without a way to pass a network backend; this one replaces
        # it with the same settings over the guarded backend (the rebinding tests fail if
        # it ever stops taking effect).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedNetworkBackend(guard, httpcore.AnyIOBackend()),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._guard.check_scheme(request.url)
        return await super().handle_async_request(request)


def guarded_client(
    guard: OutboundGuard,
    *,
    timeout: httpx.Timeout | float = 10.0,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """An HTTP client that reaches only what ``guard`` allows and follows no redirects;
    ``verify`` as in httpx (an SSL context trusting a private CA, say)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(guard, verify=verify),
        follow_redirects=False,
        trust_env=False,
        timeout=timeout,
    )
