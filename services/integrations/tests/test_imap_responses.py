"""Reading IMAP responses as aioimaplib delivers them (no network)."""

from __future__ import annotations

import pytest
from muninn_integrations.connectors.imap.responses import (
    parse_fetch,
    parse_list,
    parse_search,
    parse_status,
)


def test_fetch_with_literals_and_partial_sections() -> None:
    lines = [
        b'1 FETCH (UID 101 RFC822.SIZE 12 FLAGS (\\Seen \\Answered) INTERNALDATE "01-Jan-2010 00:00:00 +0000" BODY[] {12}',
        bytearray(b"Subject: a\r\n"),
        b")",
        b"2 FETCH (UID 102 X-GM-THRID 77 BODY[HEADER]<0> {5}",
        bytearray(b"From:"),
        b" BODY[TEXT]<0> {0}",
        b")",
        b"3 FETCH (FLAGS (\\Seen) UID 101)",
        b"UID FETCH completed.",
    ]

    first, second = parse_fetch(lines)

    assert (first.uid, first.size, first.flags) == (101, 12, ["\\Seen"])
    assert first.internaldate == "01-Jan-2010 00:00:00 +0000"
    assert first.sections == {"": b"Subject: a\r\n"}
    assert second.uid == 102
    assert second.gmail_thread_id == "77"
    assert second.sections == {"HEADER": b"From:", "TEXT": b""}


def test_fetch_literal_text_is_not_read_as_attributes() -> None:
    lines = [b"1 FETCH (UID 5 BODY[] {14}", bytearray(b"UID 999 FLAGS "), b")", b"done"]

    (item,) = parse_fetch(lines)

    assert item.uid == 5
    assert item.sections[""] == b"UID 999 FLAGS "


def test_fetch_without_uid_is_ignored() -> None:
    assert parse_fetch([b"1 FETCH (FLAGS ())", b"done"]) == []


def test_list_keeps_names_and_flags() -> None:
    boxes = parse_list(
        [
            b'(\\HasNoChildren) "/" INBOX',
            b'(\\HasNoChildren \\Sent) "/" "Sent Items"',
            b'(\\Noselect \\HasChildren) "/" "[Gmail]"',
            b"garbage",
            b"LIST completed.",
        ]
    )
    assert [(box.name, box.selectable) for box in boxes] == [
        ("INBOX", True),
        ("Sent Items", True),
        ("[Gmail]", False),
    ]
    assert "\\sent" in boxes[1].flags


def test_status_from_examine() -> None:
    status = parse_status(
        [
            b"4 EXISTS",
            b"OK [UIDNEXT 105] Predicted next UID.",
            b"OK [UIDVALIDITY 911842611] UIDs valid.",
            b"OK [HIGHESTMODSEQ 715194045007]",
            b"[READ-ONLY] Selected mailbox.",
        ]
    )
    assert (status.exists, status.uidvalidity, status.uidnext) == (4, 911842611, 105)
    assert status.highestmodseq == 715194045007


def test_status_without_uidvalidity_is_refused() -> None:
    with pytest.raises(ValueError, match="UIDVALIDITY"):
        parse_status([b"4 EXISTS", b"done"])


def test_search_numbers() -> None:
    assert parse_search([b"101 102", b"7", b"UID SEARCH completed."]) == [101, 102, 7]
    assert parse_search([b"", b"UID SEARCH completed."]) == []
