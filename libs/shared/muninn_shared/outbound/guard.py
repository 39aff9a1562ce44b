"""The outbound guard: every call to a user-supplied URL goes to the public internet only.

``check_url`` validates a URL when a user registers it; ``guarded_client`` (``transport.py``)
makes the calls, resolving and checking the host again at connect time and connecting to
the address it checked.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import ip_address

import httpx

from muninn_shared.outbound.addresses import (
    METADATA_HOSTNAMES,
    IPAddress,
    IPNetwork,
    allow_listed,
    refusal,
)

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

# What a user is told about a URL the guard will not call: the same words whether the host
# is internal, unknown to DNS or a metadata service, so registering URLs cannot map the
# operator's network.
NOT_PUBLIC = (
    "The URL must name a host on the public internet "
    "(the operator can allow-list private networks)."
)
NOT_HTTPS = "The URL must use https."


class OutboundRefusedError(Exception):
    """The guard will not call this target. ``str()`` is safe to show a user; ``reason`` is
    for operator logs only."""

    def __init__(self, public_message: str, *, reason: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message
        self.reason = reason


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ip_address(str(sockaddr[0]))
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class OutboundPolicy:
    allow_cidrs: tuple[IPNetwork, ...] = ()
    require_https: bool = True


class OutboundGuard:
    def __init__(
        self,
        policy: OutboundPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        resolve_timeout: float = 5.0,
    ) -> None:
        self.policy = policy or OutboundPolicy()
        self._resolve = resolver or system_resolver
        self._resolve_timeout = resolve_timeout

    def check_scheme(self, url: httpx.URL) -> None:
        if url.scheme not in ("http", "https"):
            raise OutboundRefusedError(NOT_HTTPS, reason=f"scheme {url.scheme!r}")
        if self.policy.require_https and url.scheme != "https":
            raise OutboundRefusedError(NOT_HTTPS, reason="plain http while https is required")

    async def check_url(self, url: str | httpx.URL) -> list[IPAddress]:
        """Refuse a URL the guard would not call (``OutboundRefusedError``); the addresses it
        resolves to otherwise."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise OutboundRefusedError(NOT_PUBLIC, reason=f"unparsable URL ({exc})") from None
        self.check_scheme(parsed)
        if not parsed.host:
            raise OutboundRefusedError(NOT_PUBLIC, reason="no host")
        return await self.addresses(parsed.host, parsed.port or _default_port(parsed.scheme))

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Resolve ``host`` and check every address it has; all must be allowed, since a
        connection may go to any of them."""
        name = host.lower().rstrip(".")
        if name in METADATA_HOSTNAMES:
            raise OutboundRefusedError(NOT_PUBLIC, reason=f"{name} is a cloud metadata service")
        literal = _literal_address(name)
        if literal is not None:
            found = [literal]
        else:
            try:
                async with asyncio.timeout(self._resolve_timeout):
                    found = await self._resolve(name, port)
            except (OSError, TimeoutError, ValueError) as exc:
                raise OutboundRefusedError(
                    NOT_PUBLIC, reason=f"{name} did not resolve ({exc})"
                ) from None
        if not found:
            raise OutboundRefusedError(NOT_PUBLIC, reason=f"{name} resolved to nothing")
        for address in found:
            self.check_address(address, host=name)
        return found

    def check_address(self, address: IPAddress, *, host: str) -> None:
        if allow_listed(address, self.policy.allow_cidrs):
            return
        reason = refusal(address)
        if reason is not None:
            raise OutboundRefusedError(NOT_PUBLIC, reason=f"{host} resolves to {address}: {reason}")


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        return None
