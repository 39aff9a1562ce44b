"""Which IP addresses a user-supplied URL may reach: the public internet only.

Python's ``ipaddress`` flags (``is_private``, ``is_global``) changed between patch releases, so
the ranges are spelled out here; an IPv6 address that carries an IPv4 address (mapped,
compatible, 6to4, NAT64) is judged by the IPv4 address it leads to.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    {
        IPv4Address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        IPv4Address("169.254.170.2"),  # AWS ECS task credentials
        IPv4Address("100.100.100.200"),  # Alibaba Cloud
        IPv6Address("fd00:ec2::254"),  # AWS over IPv6
    }
)

# Names that reach a cloud metadata service whatever they resolve to on this host.
METADATA_HOSTNAMES: frozenset[str] = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ip_network(cidr) for cidr in cidrs)


_V4_REFUSED: tuple[tuple[str, tuple[IPNetwork, ...]], ...] = (
    ("unspecified", _networks("0.0.0.0/8")),
    ("loopback", _networks("127.0.0.0/8")),
    ("private", _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    ("link-local", _networks("169.254.0.0/16")),
    ("shared address space (CGNAT)", _networks("100.64.0.0/10")),
    ("multicast", _networks("224.0.0.0/4")),
    ("reserved", _networks("240.0.0.0/4")),  # includes 255.255.255.255
    (
        "special purpose",
        _networks(
            "192.0.0.0/24",  # IETF protocol assignments
            "192.0.2.0/24",  # documentation
            "192.88.99.0/24",  # 6to4 relay anycast
            "198.18.0.0/15",  # benchmarking
            "198.51.100.0/24",  # documentation
            "203.0.113.0/24",  # documentation
        ),
    ),
)

_V6_REFUSED: tuple[tuple[str, tuple[IPNetwork, ...]], ...] = (
    ("unspecified", _networks("::/128")),
    ("loopback", _networks("::1/128")),
    ("link-local", _networks("fe80::/10")),
    ("site-local", _networks("fec0::/10")),
    ("unique-local", _networks("fc00::/7")),
    ("multicast", _networks("ff00::/8")),
    ("local-use NAT64", _networks("64:ff9b:1::/48")),
    (
        "special purpose",
        _networks(
            "100::/64",  # discard
            "2001::/23",  # IETF protocol assignments, Teredo included
            "2001:db8::/32",  # documentation
            "3fff::/20",  # documentation
            "5f00::/16",  # segment routing
        ),
    ),
)

_GLOBAL_UNICAST = ip_network("2000::/3")
_IPV4_COMPATIBLE = ip_network("::/96")
_NAT64 = ip_network("64:ff9b::/96")


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, when it is one of the transition forms."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address, or ``None`` when it is."""
    if address in METADATA_ADDRESSES:
        return "cloud metadata service"
    if isinstance(address, IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            reason = refusal(inner)
            return f"{reason} (inside an IPv6 address)" if reason else None
        for reason, networks in _V6_REFUSED:
            if any(address in network for network in networks):
                return reason
        if address not in _GLOBAL_UNICAST:
            return "reserved"
        return None
    for reason, networks in _V4_REFUSED:
        if any(address in network for network in networks):
            return reason
    return None


def allow_listed(address: IPAddress, allowed: tuple[IPNetwork, ...]) -> bool:
    """Whether the operator allowed ``address`` (or the IPv4 address inside it)."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, IPv6Address):
        if address.scope_id:
            candidates.append(IPv6Address(str(address).split("%", 1)[0]))
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
    return any(
        candidate.version == network.version and candidate in network
        for candidate in candidates
        for network in allowed
    )
