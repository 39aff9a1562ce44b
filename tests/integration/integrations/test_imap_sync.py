"""The IMAP adapter against a real IMAP server (pymap, a separate process on 127.0.0.1):
sync, paging, new mail, deletions, moves, IDLE, refusals and outages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from muninn_devstack.mail import MailServer, mailbox_admin
from muninn_integrations.connectors.imap import ImapConnector
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    CursorExpiredError,
    SourceUnavailableError,
    WatchOutcome,
)

from tests.integration.integrations.imap_support import (
    append,
    connector,
    message,
    start,
    sync_all,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    started = start(tmp_path_factory.mktemp("pymap"))
    yield started
    started.process.stop()


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
    return mail.options.mailboxes[0]


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


async def test_a_moved_message_leaves_one_mailbox_and_arrives_in_the_other(
    server: MailServer,
) -> None:
    with mailbox_admin(server) as admin:
        admin.create("move-from")
        admin.create("move-to")
        uids = admin.append("move-from", [message(1), message(2)])
    mail = connector(server, "move-from", "move-to")
    try:
        _, cursor = await sync_all(mail, None)
        with mailbox_admin(server) as admin:
            admin.move("move-from", [uids[0]], "move-to")
        pages, _ = await sync_all(mail, cursor)
    finally:
        await mail.aclose()

    changes = [change for page in pages for change in page.changes]
    assert [(c.collection_id, c.deleted) for c in changes] == [
        ("move-from", True),
        ("move-to", False),
    ]
    assert changes[0].external_id.endswith(f"/{uids[0]}")
    moved = changes[1].record
    assert moved is not None
    assert moved.email_id == "m1@example.org"


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

    assert await waiting == WatchOutcome.CHANGED
    page = await mail.changes(None, page_size=10)
    assert [c.record.subject for c in page.changes if c.record] == ["Message 1"]


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
