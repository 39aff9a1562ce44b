"""IMAP over TLS, the production default: pymap speaks only STARTTLS, so a TLS-terminating
relay in front of it plays the part of port 993 with a certificate for ``localhost``."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from ipaddress import ip_network
from pathlib import Path

import pytest
from muninn_devstack.certificates import self_signed_certificate
from muninn_devstack.mail import MailServer, mailbox_admin, start_pymap
from muninn_devstack.servers import free_port
from muninn_integrations.connectors.imap import ImapAccount, ImapConnector, ImapOptions
from muninn_integrations.connectors.port import SourceRejectedError
from muninn_shared.outbound import OutboundGuard, OutboundPolicy

USER = "ana@example.org"
PASSWORD = "tls-app-password"
LOCAL = OutboundGuard(
    OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"), ip_network("::1/128")))
)


def certificate(folder: Path) -> tuple[Path, Path]:
    return self_signed_certificate(folder, "localhost", ip="127.0.0.1")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("imap-tls")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[MailServer]:
    started = start_pymap(free_port(), folder / "pymap.log", user=USER, password=PASSWORD)
    with mailbox_admin(started) as admin:
        admin.append("INBOX", [b"Subject: over TLS\r\nFrom: bea@example.org\r\n\r\nhello\r\n"])
    yield started
    started.process.stop()


@pytest.fixture(scope="module")
async def relay_port(server: MailServer, folder: Path) -> AsyncIterator[int]:
    cert, key = certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(server.host, server.port)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    listener = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    yield listener.sockets[0].getsockname()[1]
    listener.close()


def connector(port: int, context: ssl.SSLContext | None) -> ImapConnector:
    account = ImapAccount(host="localhost", port=port, username=USER, password=PASSWORD)
    return ImapConnector(account, LOCAL, ImapOptions(timeout=10, ssl_context=context))


async def test_mail_syncs_over_tls_verified_against_the_host_name(
    relay_port: int, folder: Path
) -> None:
    trusting = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    mail = connector(relay_port, trusting)
    try:
        page = await mail.changes(None, page_size=10)
    finally:
        await mail.aclose()
    assert [change.record.subject for change in page.changes if change.record] == ["over TLS"]


async def test_an_untrusted_certificate_is_refused(relay_port: int) -> None:
    mail = connector(relay_port, None)
    with pytest.raises(SourceRejectedError):
        await mail.check()
    await mail.aclose()
