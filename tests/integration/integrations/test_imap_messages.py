"""Messages as they come, hostile ones included, through the IMAP adapter against pymap."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from muninn_devstack.mail import MailServer, mailbox_admin

from tests.integration.integrations.imap_support import append, connector, message, start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    started = start(tmp_path_factory.mktemp("pymap"))
    yield started
    started.process.stop()


async def test_an_oversized_message_is_truncated_not_fetched_whole(server: MailServer) -> None:
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
    # Only the leading 8 kB of the body came: the attachment is seen cut short, if at all.
    assert sum(attachment.size for attachment in records[0].attachments) < 8_000
    assert not records[1].truncated


async def test_hostile_messages_are_parsed_or_skipped(server: MailServer) -> None:
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
    with mailbox_admin(server) as admin:
        admin.create("hostile")
    append(server, "hostile", nested, bad_charset, huge_header, message(9))
    mail = connector(server, "hostile")
    try:
        page = await mail.changes(None, page_size=10)
    finally:
        await mail.aclose()

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
