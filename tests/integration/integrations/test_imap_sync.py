"""The IMAP adapter against a real IMAP server (pymap, a separate process on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from ipaddress import ip_network
from pathlib import Path

import pytest
from muninn_devstack.mail import MailServer, mailbox_admin, start_pymap
from muninn_devstack.servers import free_port
from muninn_integrations.connectors.imap import (
    IdleOutcome,
    ImapAccount,
    ImapConnector,
    ImapOptions,
)
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    CursorExpiredError,
    SourceUnavailableError,
    SyncPage,
)
from muninn_integrations.mail.models import MailMessage
from muninn_shared.outbound import OutboundGuard, OutboundPolicy

USER = "ana@example.org"
PASSWORD = "app-password-4711"
LOOPBACK = OutboundGuard(
    OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=False)
)


def message(number: int, *, subject: str | None = None, body: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Bea <bea@example.org>"
    mail["To"] = f"Ana <{USER}>"
    mail["Subject"] = subject or f"Message {number}"
    mail["Message-ID"] = f"<m{number}@example.org>"
    mail["Date"] = "Fri, 04 Dec 2026 10:00:00 +0000"
    mail.set_content(body or f"Body of message {number}.")
    return bytes(mail)


def start(tmp: Path) -> MailServer:
    return start_pymap(free_port(), tmp / "pymap.log", user=USER, password=PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    started = start(tmp_path_factory.mktemp("pymap"))
    yield started
    started.process.stop()


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


@pytest.fixture
async def mail(server: MailServer, request: pytest.FixtureRequest) -> AsyncIterator[ImapConnector]:
    """A connector on a mailbox of this test's own, created empty."""
    box = request.node.name.removeprefix("test_")[:40]
    with mailbox_admin(server) as admin:
        admin.create(box)
    syncing = connector(server, box)
    yield syncing
    await syncing.aclose()


def box_of(mail: ImapConnector) -> str:
    return mail._options.mailboxes[0]


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


async def test_full_sync_pages_every_message_exactly_once(
    server: MailServer, mail: ImapConnector
) -> None:
    append(server, box_of(mail), *(message(number) for number in range(120)))

    pages, cursor = await sync_all(mail, None, page_size=50)

    assert [len(page.changes) for page in pages] == [50, 50, 20]
    assert pages[0].items_total == 120
    records = [change.record for page in pages for change in page.changes]
    assert all(record is not None for record in records)
    subjects = [record.subject for record in records if record is not None]
    assert subjects == [f"Message {number}" for number in range(120)]
    ids = [change.external_id for page in pages for change in page.changes]
    assert len(set(ids)) == 120
    first = records[0]
    assert first is not None
    assert first.email_id == "m0@example.org"
    assert first.sender is not None
    assert first.sender.address == "bea@example.org"
    assert first.body == "Body of message 0."
    nothing = await mail.changes(cursor, page_size=50)
    assert nothing.changes == []
    assert not nothing.more


async def test_new_mail_arrives_incrementally_and_a_replayed_page_is_harmless(
    server: MailServer, mail: ImapConnector
) -> None:
    append(server, box_of(mail), message(1), message(2))
    _, cursor = await sync_all(mail, None)

    append(server, box_of(mail), message(3, subject="Deposit", body="The deposit is back."))
    page = await mail.changes(cursor, page_size=10)
    replayed = await mail.changes(cursor, page_size=10)

    assert [change.record.subject for change in page.changes if change.record] == ["Deposit"]
    assert replayed.changes == page.changes
    assert replayed.cursor == page.cursor
    assert (await mail.changes(page.cursor, page_size=10)).changes == []


async def test_an_expunged_message_is_reported_deleted(
    server: MailServer, mail: ImapConnector
) -> None:
    uids = append(server, box_of(mail), *(message(number) for number in range(5)))
    pages, cursor = await sync_all(mail, None)
    by_uid = {change.record.uid: change.external_id for change in pages[0].changes if change.record}

    with mailbox_admin(server) as admin:
        admin.expunge(box_of(mail), [uids[1], uids[3]])
    after, cursor = await sync_all(mail, cursor, page_size=1)

    deleted = [change for page in after for change in page.changes]
    assert [change.external_id for change in deleted] == [by_uid[uids[1]], by_uid[uids[3]]]
    assert all(change.deleted for change in deleted)
    assert (await mail.changes(cursor, page_size=10)).changes == []


async def test_a_rebuilt_mailbox_expires_the_cursor(
    server: MailServer, mail: ImapConnector
) -> None:
    append(server, box_of(mail), message(1))
    _, cursor = await sync_all(mail, None)
    with mailbox_admin(server) as admin:
        admin.delete(box_of(mail))
        admin.create(box_of(mail))
    append(server, box_of(mail), message(2))

    with pytest.raises(CursorExpiredError):
        await mail.changes(cursor, page_size=10)
    pages, _ = await sync_all(mail, None)
    assert [c.record.subject for c in pages[0].changes if c.record] == ["Message 2"]


async def test_idle_wakes_on_a_new_message(server: MailServer, mail: ImapConnector) -> None:
    listening = asyncio.Event()
    waiting = asyncio.create_task(mail.idle(box_of(mail), timeout=60, listening=listening))
    await listening.wait()

    await asyncio.to_thread(append, server, box_of(mail), message(1))

    assert await waiting == IdleOutcome.CHANGED
    page = await mail.changes(None, page_size=10)
    assert [c.record.subject for c in page.changes if c.record] == ["Message 1"]


async def test_an_oversized_message_is_truncated_not_fetched_whole(
    server: MailServer, request: pytest.FixtureRequest
) -> None:
    box = "oversized"
    with mailbox_admin(server) as admin:
        admin.create(box)
    big = EmailMessage()
    big["From"] = "bea@example.org"
    big["Subject"] = "Holiday photos"
    big.set_content("Photos from the trip attached.")
    big.add_attachment(b"\x89PNG" * 100_000, maintype="image", subtype="png", filename="a.png")
    small = message(2)
    append(server, box, bytes(big), small)
    mail = connector(server, box, max_message_bytes=64_000, truncated_text_bytes=8_000)
    try:
        page = await mail.changes(None, page_size=10)
    finally:
        await mail.aclose()

    records = [change.record for change in page.changes if change.record]
    assert [record.subject for record in records] == ["Holiday photos", "Message 2"]
    assert records[0].truncated
    assert records[0].body == "Photos from the trip attached."
    assert records[0].size > 400_000
    assert not records[1].truncated


async def test_hostile_messages_are_parsed_or_skipped(
    server: MailServer, mail: ImapConnector
) -> None:
    nested = b"From: x@example.org\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    # Deeper than the walk's bound; pymap itself cannot store a message nested 1000 deep.
    for depth in range(150):
        nested += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (
            depth,
            depth + 1,
        )
    bad_charset = (
        b"From: \xff\xfe <broken@@>\r\nSubject: charset\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nna\xefve \xff text\r\n"
    )
    huge_header = b"From: y@example.org\r\nSubject: " + b"A" * 300_000 + b"\r\n\r\nbody\r\n"
    append(server, box_of(mail), nested, bad_charset, huge_header, message(9))

    page = await mail.changes(None, page_size=10)

    records = {change.record.uid: change.record for change in page.changes if change.record}
    assert len(records) + mail.skipped == 4
    subjects = [record.subject for record in records.values()]
    assert "Message 9" in subjects
    assert "charset" in subjects
    charset = next(record for record in records.values() if record.subject == "charset")
    assert "text" in charset.body
    long_subject = next(record for record in records.values() if record.subject.startswith("AAA"))
    assert len(long_subject.subject) <= 1_000
    deep = next(record for record in records.values() if record.subject == "deep")
    assert "nesting too deep" in deep.metadata["defects"]


async def test_a_wrong_password_is_rejected_and_never_shown(
    server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = 'not-the-"password'  # a quote: aioimaplib's own log scrubbing misses it
    mail = connector(server, password=wrong)
    with caplog.at_level(logging.DEBUG), pytest.raises(CredentialsRejectedError) as raised:
        await mail.check()
    assert "not-the" not in str(raised.value)
    assert "not-the" not in repr(mail)
    assert "not-the" not in caplog.text


async def test_check_lists_the_selectable_mailboxes(server: MailServer) -> None:
    with mailbox_admin(server) as admin:
        admin.create("Sent")
    mail = connector(server, "INBOX", "\\Sent", "Sent")
    try:
        collections = {collection.id: collection for collection in await mail.check()}
    finally:
        await mail.aclose()
    assert {"INBOX", "Sent"} <= set(collections)
    assert collections["INBOX"].extras["synced"] == "true"
    assert collections["Sent"].extras["synced"] == "true"


async def test_a_stopped_server_is_unavailable(tmp_path: Path) -> None:
    own = start(tmp_path)
    mail = connector(own)
    try:
        await mail.check()
        own.process.stop()
        with pytest.raises(SourceUnavailableError):
            await mail.changes(None, page_size=10)
    finally:
        own.process.stop()
        await mail.aclose()
