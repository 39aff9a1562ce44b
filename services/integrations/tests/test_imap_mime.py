"""MIME parsing of mail, hostile input included (no network)."""

from __future__ import annotations

from email.message import EmailMessage

from muninn_integrations.connectors.imap.html_text import html_to_text
from muninn_integrations.connectors.imap.mime import MimeLimits, parse_message
from muninn_integrations.mail.models import MailMessage


def test_headers_and_plain_body() -> None:
    mail = EmailMessage()
    mail["From"] = "Landlord <landlord@example.org>"
    mail["To"] = "Ana <ana@example.org>, bo@example.org"
    mail["Cc"] = "Cy <cy@example.org>"
    mail["Subject"] = "=?utf-8?q?D=C3=A9p=C3=B4t?="
    mail["Date"] = "Fri, 04 Dec 2026 10:00:00 +0100"
    mail["Message-ID"] = "<c@example.org>"
    mail["In-Reply-To"] = "<b@example.org>"
    mail["References"] = "<a@example.org> <b@example.org>"
    mail.set_content("The   deposit\n\n\n\nis back.")

    parsed = parse_message(bytes(mail))

    assert parsed.subject == "Dépôt"
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == ("Landlord", "landlord@example.org")
    assert [a.address for a in parsed.to] == ["ana@example.org", "bo@example.org"]
    assert [a.address for a in parsed.cc] == ["cy@example.org"]
    assert parsed.sent_at is not None
    assert parsed.sent_at.isoformat() == "2026-12-04T10:00:00+01:00"
    assert parsed.message_id == "c@example.org"
    assert parsed.in_reply_to == "b@example.org"
    assert parsed.references == ["a@example.org", "b@example.org"]
    assert parsed.thread_root == "a@example.org"
    assert parsed.body == "The deposit\n\nis back."


def test_thread_root_falls_back_to_in_reply_to_then_own_id() -> None:
    reply = parse_message(b"Message-ID: <r@x>\r\nIn-Reply-To: <q@x>\r\n\r\nhi")
    first = parse_message(b"Message-ID: <q@x>\r\n\r\nhi")
    assert reply.thread_root == "q@x"
    assert first.thread_root == "q@x"


def test_plain_is_preferred_and_attachments_are_described_not_kept() -> None:
    mail = EmailMessage()
    mail["Subject"] = "Invoice"
    mail.set_content("Plain words.")
    mail.add_alternative("<p>HTML words</p>", subtype="html")
    mail.add_attachment(b"%PDF" * 1000, maintype="application", subtype="pdf", filename="inv.pdf")

    parsed = parse_message(bytes(mail))

    assert parsed.body == "Plain words."
    assert len(parsed.attachments) == 1
    attachment = parsed.attachments[0]
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "inv.pdf",
        "application/pdf",
        4000,
    )
    assert not hasattr(attachment, "content")


def test_html_only_becomes_text() -> None:
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<script>alert('x')</script><p>Hello&nbsp;  <b>Ana</b>,</p>"
        "<p>see <a href='https://example.org/x'>the listing</a>.</p><br><div>Bye</div></body></html>"
    )
    mail = EmailMessage()
    mail.set_content(html, subtype="html")

    parsed = parse_message(bytes(mail))

    assert parsed.body == "Hello Ana,\n\nsee the listing.\n\nBye"
    assert "alert" not in parsed.body
    assert "color" not in parsed.body


def test_html_text_is_bounded() -> None:
    text, cut = html_to_text("<p>" + "word " * 10_000 + "</p>", max_chars=100)
    assert len(text) == 100
    assert cut


def test_unknown_charset_and_bad_bytes_are_replaced() -> None:
    raw = (
        b"From: \xff\xfe <bad@@x>\r\nSubject: s\xe9\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nna\xefve \xff"
    )
    parsed = parse_message(raw)

    assert "ve" in parsed.body
    assert "unreadable charset" in " ".join(parsed.defects)
    # Everything stays serializable: no lone surrogates from undecodable bytes.
    MailMessage(
        external_id="INBOX/1/1",
        mailbox="INBOX",
        uid=1,
        uidvalidity=1,
        thread_id="t",
        subject=parsed.subject,
        sender=parsed.sender,
        body=parsed.body,
    ).model_dump_json()


def test_nesting_deeper_than_the_parser_can_go_keeps_the_headers() -> None:
    raw = b"Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for depth in range(3000):
        raw += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (depth, depth + 1)

    parsed = parse_message(raw)

    assert parsed.subject == "deep"
    assert parsed.body == ""
    assert parsed.defects


def test_nesting_and_part_counts_are_bounded() -> None:
    raw = b"Subject: nested\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for depth in range(60):
        raw += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (depth, depth + 1)
    raw += b"--b60\r\nContent-Type: text/plain\r\n\r\nburied\r\n--b60--\r\n"

    parsed = parse_message(raw, MimeLimits(max_depth=10))

    assert parsed.body == ""
    assert "nesting too deep; inner parts skipped" in parsed.defects


def test_huge_headers_and_bodies_are_cut() -> None:
    raw = b"Subject: " + b"A" * 200_000 + b"\r\nReferences: " + b"<r@x> " * 10_000
    raw += b"\r\nTo: " + b"a@x, " * 5_000 + b"\r\n\r\n" + b"text " * 100_000
    limits = MimeLimits(max_body_chars=1_000)

    parsed = parse_message(raw, limits)

    assert len(parsed.subject) == limits.max_subject_chars
    assert len(parsed.references) == limits.max_references
    assert len(parsed.to) == limits.max_addresses
    assert len(parsed.body) == 1_000
    assert parsed.body_truncated
