"""Who the client is, as far as limits go: the peer, or what trusted proxies say it was.

``X-Forwarded-For`` is read only when the connection comes from a trusted proxy, and then
from the right: each trusted proxy appends the address it saw, so the right-most address
that is not itself a trusted proxy is the client; anything further left was written by the
client and could be anything. An IPv6 client controls at least a /64, so its limits are kept
per /64, not per address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR = b"x-forwarded-for"
IPV6_CLIENT_PREFIX = 64
UNKNOWN = "unknown"


def parse_address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def limit_key(address: str) -> str:
    """The key an address is limited under: itself for IPv4, its /64 for IPv6."""
    parsed = parse_address(address)
    if parsed is None:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed)


class ClientAddresses:
    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self._trusted: list[Network] = [
            ipaddress.ip_network(cidr, strict=False) for cidr in trusted_proxies
        ]

    def _is_trusted(self, address: Address) -> bool:
        return any(address in network for network in self._trusted)

    def resolve(self, scope: Scope) -> str:
        client = scope.get("client")
        peer_text = str(client[0]) if client and client[0] else ""
        peer = parse_address(peer_text)
        if peer is None:
            return peer_text or UNKNOWN
        if not self._trusted or not self._is_trusted(peer):
            return str(peer)
        hops = [
            hop
            for name, value in scope["headers"]
            if name.lower() == FORWARDED_FOR
            for hop in value.decode("latin-1").split(",")
        ]
        nearest_trusted = peer
        for hop in reversed(hops):
            address = parse_address(hop)
            if address is None:
                # A trusted proxy always appends a valid address: this was written further
                # out, so the chain of trust ends at the last proxy.
                return str(nearest_trusted)
            if not self._is_trusted(address):
                return str(address)
            nearest_trusted = address
        return str(nearest_trusted)
