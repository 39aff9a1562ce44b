"""The outbound guard: public internet only, checked at connect time, no redirects."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network
from pathlib import Path

import httpx
import pytest
from muninn_devstack.certificates import self_signed_certificate
from muninn_shared.outbound import (
    NOT_HTTPS,
    NOT_PUBLIC,
    OutboundGuard,
    OutboundPolicy,
    OutboundRefusedError,
    OutboundSettings,
    Resolver,
    guarded_client,
)
from muninn_shared.outbound.addresses import IPAddress

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:4700:4700::1111"

REFUSED = [
    # IPv4
    "0.0.0.0",
    "0.1.2.3",
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.10",
    "169.254.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "100.100.100.200",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.1",
    "203.0.113.1",
    # IPv6
    "::",
    "::1",
    "fe80::1",
    "fec0::1",
    "fc00::1",
    "fd12:3456::1",
    "fd00:ec2::254",
    "ff02::1",
    "100::1",
    "2001:db8::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b:1::1",
    # IPv4 inside IPv6: mapped, compatible, 6to4, NAT64
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "::127.0.0.1",
    "::10.0.0.1",
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:0101::1",
    "64:ff9b::127.0.0.1",
    "64:ff9b::a00:1",
    "64:ff9b::a9fe:a9fe",
]


def resolving_to(*answers: str) -> tuple[list[str], Resolver]:
    """A resolver answering ``answers[i]`` (comma-separated addresses) on its i-th call, the
    last answer ever after; it records the names it was asked."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[IPAddress]:
        answer = answers[min(len(asked), len(answers) - 1)]
        asked.append(host)
        return [ip_address(part) for part in answer.split(",")]

    return asked, resolve


def guard(*answers: str, allow: tuple[str, ...] = (), https: bool = False) -> OutboundGuard:
    resolve = resolving_to(*answers)[1] if answers else None
    return OutboundGuard(
        OutboundPolicy(allow_cidrs=tuple(ip_network(c) for c in allow), require_https=https),
        resolver=resolve,
    )


@pytest.mark.parametrize("address", REFUSED)
async def test_every_internal_range_is_refused_by_name_and_as_a_literal(address: str) -> None:
    with pytest.raises(OutboundRefusedError) as by_name:
        await guard(address).check_url("http://hooks.example.org/in")
    assert str(by_name.value) == NOT_PUBLIC
    assert str(ip_address(address)) in by_name.value.reason
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(OutboundRefusedError):
        await guard().check_url(f"http://{literal}:8080/in")


@pytest.mark.parametrize(
    "address", [PUBLIC_V4, PUBLIC_V6, f"::ffff:{PUBLIC_V4}", "2002:5db8:d70e::1"]
)
async def test_public_addresses_pass(address: str) -> None:
    found = await guard(address).check_url("https://hooks.example.org/in")
    assert found == [ip_address(address)]


async def test_one_internal_answer_among_public_ones_is_refused() -> None:
    with pytest.raises(OutboundRefusedError):
        await guard(f"{PUBLIC_V4},10.1.2.3").check_url("https://hooks.example.org/in")


@pytest.mark.parametrize(
    "host",
    ["metadata.google.internal", "METADATA.GOOGLE.INTERNAL.", "metadata.goog", "instance-data"],
)
async def test_metadata_hostnames_are_refused_whatever_they_resolve_to(host: str) -> None:
    with pytest.raises(OutboundRefusedError) as refused:
        await guard(PUBLIC_V4).check_url(f"http://{host}/computeMetadata/v1/")
    assert str(refused.value) == NOT_PUBLIC


async def test_numeric_host_spellings_resolve_to_what_they_mean() -> None:
    # inet_aton spellings of 127.0.0.1 reach the system resolver, which reads them as loopback.
    for url in ("http://2130706433/", "http://0x7f.1/", "http://127.1/"):
        with pytest.raises(OutboundRefusedError):
            await OutboundGuard(OutboundPolicy(require_https=False)).check_url(url)


async def test_unresolvable_and_internal_hosts_get_the_same_words() -> None:
    async def nothing(host: str, port: int) -> list[IPAddress]:
        raise OSError("Name or service not known")

    messages = set()
    for attempt in (
        OutboundGuard(OutboundPolicy(require_https=False), resolver=nothing).check_url(
            "http://qdrant:6333/collections"
        ),
        guard("172.18.0.5").check_url("http://qdrant:6333/collections"),
        guard(PUBLIC_V4).check_url("http://metadata.google.internal/"),
    ):
        with pytest.raises(OutboundRefusedError) as refused:
            await attempt
        messages.add(str(refused.value))
    assert messages == {NOT_PUBLIC}


async def test_https_is_required_when_the_policy_says_so() -> None:
    with pytest.raises(OutboundRefusedError) as refused:
        await guard(PUBLIC_V4, https=True).check_url("http://hooks.example.org/in")
    assert str(refused.value) == NOT_HTTPS
    assert await guard(PUBLIC_V4, https=True).check_url("https://hooks.example.org/in")
    for scheme in ("ftp", "file", "gopher"):
        with pytest.raises(OutboundRefusedError):
            await guard(PUBLIC_V4).check_url(f"{scheme}://hooks.example.org/in")


async def test_allow_list_opens_exactly_the_listed_networks() -> None:
    lan = ("192.168.1.0/24", "fd00:1234::/32")
    assert await guard("192.168.1.20", allow=lan).check_url("http://nextcloud.home/dav")
    assert await guard("::ffff:192.168.1.20", allow=lan).check_url("http://nextcloud.home/dav")
    assert await guard("fd00:1234::5", allow=lan).check_url("http://nextcloud.home/dav")
    for elsewhere in ("192.168.2.20", "10.0.0.1", "127.0.0.1", "fd00:1235::5", "169.254.169.254"):
        with pytest.raises(OutboundRefusedError):
            await guard(elsewhere, allow=lan).check_url("http://nextcloud.home/dav")


def test_settings_read_the_allow_list_and_require_https_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Integration tests switch sealing off for the whole session; prod refuses that.
    monkeypatch.delenv("MUNINN_EVENT_SEALING", raising=False)
    monkeypatch.setenv("MUNINN_OUTBOUND_ALLOW_CIDRS", '["192.168.1.0/24", "fd00::/8"]')
    settings = OutboundSettings()
    policy = settings.outbound_policy()
    assert policy.allow_cidrs == (ip_network("192.168.1.0/24"), ip_network("fd00::/8"))
    assert policy.require_https is False
    prod = OutboundSettings(environment="prod")
    assert prod.outbound_policy().require_https is True
    monkeypatch.setenv("MUNINN_OUTBOUND_REQUIRE_HTTPS", "false")
    assert OutboundSettings(environment="prod").outbound_policy().require_https is False


# -- calls through the guarded client ------------------------------------------------------


@dataclass
class Receiver:
    """A loopback HTTP server recording each request's head."""

    status: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length:")
            ),
            0,
        )
        if length:
            await reader.readexactly(length)
        self.requests.append(head)
        headers = "".join(f"{k}: {v}\r\n" for k, v in self.extra_headers.items())
        writer.write(
            f"HTTP/1.1 {self.status} X\r\ncontent-length: 2\r\nconnection: close\r\n{headers}\r\nok".encode()
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found
        server.close()


async def test_rebinding_between_check_and_connect_never_reaches_loopback(
    receiver: Receiver,
) -> None:
    asked, resolve = resolving_to(PUBLIC_V4, "127.0.0.1")
    rebinding = OutboundGuard(OutboundPolicy(require_https=False), resolver=resolve)
    url = f"http://rebind.example.org:{receiver.port}/hook"
    assert await rebinding.check_url(url) == [ip_address(PUBLIC_V4)]
    async with guarded_client(rebinding, timeout=5) as client:
        with pytest.raises(OutboundRefusedError) as refused:
            await client.post(url, content=b"{}")
    assert "127.0.0.1" in refused.value.reason
    assert asked == ["rebind.example.org", "rebind.example.org"]
    assert receiver.requests == []


async def test_the_connection_goes_to_the_address_that_was_checked(receiver: Receiver) -> None:
    # The name exists nowhere but in the injected resolver: reaching the receiver proves the
    # socket was opened to the checked address, with no second lookup by the HTTP stack.
    asked, resolve = resolving_to("127.0.0.1")
    pinned = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.0/8"),), require_https=False),
        resolver=resolve,
    )
    async with guarded_client(pinned, timeout=5) as client:
        response = await client.post(f"http://pinned.invalid:{receiver.port}/hook", content=b"{}")
    assert response.status_code == 200
    assert asked == ["pinned.invalid"]
    assert f"host: pinned.invalid:{receiver.port}" in receiver.requests[0].lower()


async def test_loopback_is_refused_at_connect_time_without_an_allow_list(
    receiver: Receiver,
) -> None:
    async with guarded_client(
        OutboundGuard(OutboundPolicy(require_https=False)), timeout=5
    ) as client:
        for host in ("127.0.0.1", "localhost", "[::ffff:127.0.0.1]"):
            with pytest.raises(OutboundRefusedError):
                await client.get(f"http://{host}:{receiver.port}/")
    assert receiver.requests == []


async def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.status = 307
    receiver.extra_headers = {"location": f"http://127.0.0.1:{receiver.port}/internal"}
    allowed = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=False)
    )
    async with guarded_client(allowed, timeout=5) as client:
        response = await client.post(f"http://127.0.0.1:{receiver.port}/hook", content=b"{}")
    assert response.status_code == 307
    assert len(receiver.requests) == 1


async def test_plain_http_is_refused_at_call_time_when_https_is_required(
    receiver: Receiver,
) -> None:
    strict = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=True)
    )
    async with guarded_client(strict, timeout=5) as client:
        with pytest.raises(OutboundRefusedError):
            await client.get(f"http://127.0.0.1:{receiver.port}/")
    assert receiver.requests == []


def test_no_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")
    client = guarded_client(OutboundGuard())
    assert not client._mounts


def self_signed(tmp: Path, name: str) -> tuple[Path, Path]:
    """A certificate for ``name`` only (no IP address in it), and its key."""
    return self_signed_certificate(tmp, name)


async def test_tls_verifies_the_name_while_connecting_to_the_checked_address(
    tmp_path: Path,
) -> None:
    # The certificate names only hooks.example.test: the handshake succeeds only if SNI and
    # verification use the name from the URL while the socket goes to the pinned address.
    cert, key = self_signed(tmp_path, "hooks.example.test")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0, ssl=server_tls)
    found.port = server.sockets[0].getsockname()[1]
    asked, resolve = resolving_to("127.0.0.1")
    pinned = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=True),
        resolver=resolve,
    )
    trusting = ssl.create_default_context(cafile=str(cert))
    async with server, guarded_client(pinned, timeout=5, verify=trusting) as client:
        response = await client.post(f"https://hooks.example.test:{found.port}/hook", content=b"{}")
        assert response.status_code == 200
        with pytest.raises(httpx.ConnectError):
            await client.post(f"https://127.0.0.1:{found.port}/hook", content=b"{}")
    assert asked == ["hooks.example.test"]
    assert len(found.requests) == 1
