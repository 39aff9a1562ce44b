"""People v1 persons to the CardDAV contact model; Gmail v1 messages to the IMAP mail model
(the same MIME parser and limits)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from muninn_integrations.connectors.google.gmail import (
    headers_as_raw,
    message_from_gmail,
)
from muninn_integrations.connectors.google.people import contact_from_person
from muninn_integrations.connectors.imap import ImapOptions, MimeLimits

PERSON = {
    "resourceName": "people/c7001",
    "etag": "%EgU1",
    "metadata": {
        "sources": [
            {"type": "CONTACT", "id": "7001", "updateTime": "2026-02-01T08:00:00.000Z"},
            {"type": "PROFILE", "id": "1", "updateTime": "2025-01-01T00:00:00Z"},
        ]
    },
    "names": [
        {"displayName": "Beatriz Costa", "givenName": "Beatriz", "familyName": "Costa",
         "metadata": {"primary": True}}
    ],
    "emailAddresses": [
        {"value": "bea@work.example", "type": "work"},
        {"value": "bea@home.example", "type": "home", "metadata": {"primary": True}},
    ],
    "phoneNumbers": [{"value": "0912 345 678", "canonicalForm": "+351912345678", "type": "mobile"}],
    "organizations": [{"name": "Tasca Lda", "title": "Chef"}],
    "birthdays": [{"date": {"month": 7, "day": 14}}],
    "addresses": [{"streetAddress": "Rua A 1", "city": "Lisboa", "postalCode": "1100-001",
                   "country": "Portugal", "type": "home"}],
    "biographies": [{"value": "Met at the market."}],
    "photos": [
        {"url": "https://lh3.googleusercontent.com/default", "default": True},
        {"url": "https://lh3.googleusercontent.com/real"},
    ],
}  # fmt: skip


def test_a_person_maps_to_the_contact_model() -> None:
    contact = contact_from_person(PERSON)
    assert contact.uid == "people/c7001"
    assert (contact.full_name, contact.given_name, contact.family_name) == (
        "Beatriz Costa",
        "Beatriz",
        "Costa",
    )
    assert [(e.value, e.kinds, e.preferred) for e in contact.emails] == [
        ("bea@work.example", ["work"], False),
        ("bea@home.example", ["home"], True),
    ]
    assert contact.primary_email == "bea@home.example"
    assert [(p.value, p.kinds) for p in contact.phones] == [("+351912345678", ["mobile"])]
    assert (contact.organization, contact.title) == ("Tasca Lda", "Chef")
    assert contact.birthday is not None
    assert (contact.birthday.month, contact.birthday.day, contact.birthday.year) == (7, 14, None)
    assert [(a.street, a.locality, a.postal_code, a.kinds) for a in contact.addresses] == [
        ("Rua A 1", "Lisboa", "1100-001", ["home"])
    ]
    assert contact.notes == "Met at the market."
    assert contact.photo_url == "https://lh3.googleusercontent.com/real"
    assert contact.last_modified == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def test_a_sparse_person_still_maps() -> None:
    contact = contact_from_person(
        {"resourceName": "people/c9", "emailAddresses": [{"value": "x@example.org"}]}
    )
    assert contact.full_name is None
    assert [e.value for e in contact.emails] == ["x@example.org"]
    assert contact.birthday is None
    assert contact.photo_url is None


RAW = (
    b"From: Bruno <bruno@example.org>\r\n"
    b"To: Ana <ana@example.org>\r\n"
    b"Cc: carla@example.org\r\n"
    b"Subject: =?utf-8?q?Almo=C3=A7o?=\r\n"
    b"Date: Mon, 05 Jan 2026 10:00:00 +0000\r\n"
    b"Message-ID: <m1@example.org>\r\n"
    b"In-Reply-To: <m0@example.org>\r\n"
    b"References: <m0@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Sexta-feira?\r\n"
)


def test_a_gmail_message_maps_as_imap_would() -> None:
    item = {
        "id": "18c0000000000001",
        "threadId": "18c0000000000000",
        "labelIds": ["INBOX", "STARRED", "IMPORTANT"],
        "internalDate": "1767607200000",
        "sizeEstimate": len(RAW),
        "raw": base64.urlsafe_b64encode(RAW).decode(),
    }
    message = message_from_gmail(item, RAW, ImapOptions())
    assert message.external_id == "gmail/18c0000000000001"
    assert message.mailbox == "INBOX"
    assert message.subject == "Almoço"
    assert message.sender is not None
    assert message.sender.address == "bruno@example.org"
    assert [a.address for a in message.recipients] == ["ana@example.org", "carla@example.org"]
    assert message.email_id == "m1@example.org"
    assert message.in_reply_to == "m0@example.org"
    # The thread as IMAP's X-GM-THRID names it: the same number, in decimal.
    assert message.thread_id == f"gm:{int('18c0000000000000', 16)}"
    assert message.body.strip() == "Sexta-feira?"
    assert message.flags == ["\\Seen", "\\Flagged"]
    assert message.received_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert message.truncated is False


def test_the_imap_mime_limits_apply() -> None:
    body = b"x" * 5000
    item = {"id": "a1", "threadId": "a1", "labelIds": ["SENT", "UNREAD"]}
    message = message_from_gmail(
        item,
        RAW.replace(b"Sexta-feira?\r\n", body),
        ImapOptions(mime=MimeLimits(max_body_chars=100)),
    )
    assert message.mailbox == "SENT"
    assert message.flags == []
    assert len(message.body) <= 100
    assert message.body_truncated is True


def test_a_message_too_large_keeps_its_headers() -> None:
    item = {
        "id": "b2",
        "threadId": "b2",
        "labelIds": ["INBOX"],
        "snippet": "The leading text",
        "payload": {
            "headers": [
                {"name": "From", "value": "bruno@example.org"},
                {"name": "Subject", "value": "Huge\r\nInjected: header"},
            ]
        },
    }
    raw = headers_as_raw(item, 10_000)
    message = message_from_gmail(item, raw, ImapOptions(), truncated=True)
    assert message.subject.split() == ["Huge", "Injected:", "header"]  # no header injected
    assert message.body.strip() == "The leading text"
    assert message.truncated is True
    assert message.body_truncated is True
