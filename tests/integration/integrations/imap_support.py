"""What the IMAP integration tests share: the account, messages, a connector on pymap."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from muninn_devstack.mail import MailServer, mailbox_admin, start_pymap
from muninn_devstack.servers import free_port
from muninn_integrations.connectors.imap import ImapAccount, ImapConnector, ImapOptions
from muninn_integrations.connectors.port import SyncPage
from muninn_integrations.mail.models import MailMessage

from tests.integration.integrations.dav_support import loopback_guard

USER = "ana@example.org"
PASSWORD = "app-password-4711"
LOOPBACK = loopback_guard()


def message(number: int, *, subject: str | None = None, body: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Bea <bea@example.org>"
    mail["To"] = f"Ana <{USER}>"
    mail["Subject"] = subject or f"Message {number}"
    mail["Message-ID"] = f"<m{number}@example.org>"
    mail["Date"] = "Fri, 04 Dec 2026 10:00:00 +0000"
    mail.set_content(body or f"Body of message {number}.")
    return bytes(mail)


@pytest.fixture(scope="module")
def pymap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailServer]:
    """A pymap of the test module's own, for its ``MAIL_USER`` with ``MAIL_PASSWORD``."""
    log = Path(tmp_path_factory.mktemp("pymap")) / "pymap.log"
    module = request.module
    server = start_pymap(free_port(), log, user=module.MAIL_USER, password=module.MAIL_PASSWORD)
    yield server
    server.process.stop()


def start(tmp: Path) -> MailServer:
    return start_pymap(free_port(), tmp / "pymap.log", user=USER, password=PASSWORD)


def connector(
    server: MailServer, *mailboxes: str, password: str = PASSWORD, **options: int
) -> ImapConnector:
    account = ImapAccount(
        host=server.host, port=server.port, username=USER, password=password, tls=False
    )
    settings = ImapOptions(
        mailboxes=mailboxes or ("INBOX",), allow_plaintext=True, timeout=10, **options
    )
    return ImapConnector(account, LOOPBACK, settings)


def append(server: MailServer, box: str, *messages: bytes) -> list[int]:
    with mailbox_admin(server) as admin:
        return admin.append(box, messages)


async def sync_all(
    mail: ImapConnector, cursor: str | None, page_size: int = 100
) -> tuple[list[SyncPage[MailMessage]], str]:
    pages = [await mail.changes(cursor, page_size=page_size)]
    while pages[-1].more:
        assert len(pages) < 100
        pages.append(await mail.changes(pages[-1].cursor, page_size=page_size))
    return pages, pages[-1].cursor
