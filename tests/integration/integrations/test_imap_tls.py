"""IMAP over TLS, the production default: pymap speaks only STARTTLS, so a TLS-terminating
relay in front of it plays the part of port 993 with a certificate for ``localhost``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
from collections.abc import AsyncIterator, Iterator
from ipaddress import IPv4Address, ip_network
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


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
