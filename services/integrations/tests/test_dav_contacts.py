"""vCard 3 and 4 normalized into Contact."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from muninn_integrations.contacts.models import MAX_ITEMS, MalformedContactError, contact_from_vcard


def card(version: str, *lines: str) -> str:
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCARD\r\nVERSION:{version}\r\n{body}END:VCARD\r\n"


def test_a_vcard_3_is_normalized() -> None:
    contact = contact_from_vcard(
        card(
            "3.0",
            "UID:ana-1",
            "FN:Ana Silva",
            "N:Silva;Ana;;;",
            "EMAIL;TYPE=INTERNET,WORK:ana@work.example",
            "EMAIL;TYPE=INTERNET,HOME,pref:ana@home.example",
            "TEL;TYPE=CELL:+351 912 345 678",
            "ORG:Acme;Research",
            "TITLE:Engineer",
            "BDAY:1990-04-15",
            "ADR;TYPE=HOME:;;Rua A 1;Lisboa;;1000-001;Portugal",
            "NOTE:Met at the conference",
            "CATEGORIES:friends,work",
            "PHOTO;VALUE=URI:https://example.com/ana.jpg",
            "REV:20260101T100000Z",
        )
    )

    assert contact.uid == "ana-1"
    assert (contact.full_name, contact.given_name, contact.family_name) == (
        "Ana Silva",
        "Ana",
        "Silva",
    )
    assert [(e.value, e.kinds, e.preferred) for e in contact.emails] == [
        ("ana@work.example", ["work"], False),
        ("ana@home.example", ["home"], True),
    ]
    assert contact.primary_email == "ana@home.example"
    assert [(p.value, p.kinds) for p in contact.phones] == [("+351 912 345 678", ["cell"])]
    assert contact.organization == "Acme / Research"
    assert contact.title == "Engineer"
    assert contact.birthday is not None
    assert (contact.birthday.year, contact.birthday.month, contact.birthday.day) == (1990, 4, 15)
    [address] = contact.addresses
    assert (address.street, address.locality, address.postal_code, address.country) == (
        "Rua A 1",
        "Lisboa",
        "1000-001",
        "Portugal",
    )
    assert contact.notes == "Met at the conference"
    assert contact.tags == ["friends", "work"]
    assert contact.photo_url == "https://example.com/ana.jpg"
    assert contact.last_modified == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_a_vcard_4_with_a_birthday_without_year_and_an_inline_photo() -> None:
    contact = contact_from_vcard(
        card(
            "4.0",
            "UID:urn:uuid:bo",
            "FN:Bo",
            "EMAIL;TYPE=work;PREF=1:bo@example.com",
            'TEL;VALUE=uri;TYPE="voice,cell":tel:+1-555-555-5555',
            "BDAY:--0415",
            "PHOTO:data:image/jpeg;base64,AAAA",
        )
    )

    assert contact.birthday is not None
    assert (contact.birthday.year, contact.birthday.month, contact.birthday.day) == (None, 4, 15)
    assert contact.phones[0].value == "+1-555-555-5555"
    assert contact.phones[0].kinds == ["cell"]
    assert contact.emails[0].preferred
    assert contact.photo_url is None


def test_apples_omitted_year_is_no_year() -> None:
    contact = contact_from_vcard(
        card("3.0", "UID:c", "FN:C", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-01")
    )

    assert contact.birthday is not None
    assert (contact.birthday.year, contact.birthday.month) == (None, 12)


def test_a_name_is_built_when_fn_is_missing_and_lists_are_bounded() -> None:
    emails = [f"EMAIL:person{n}@example.com" for n in range(MAX_ITEMS + 20)]
    contact = contact_from_vcard(card("3.0", "UID:d", "N:Doe;Jane;;;", *emails))

    assert contact.full_name == "Jane Doe"
    assert len(contact.emails) == MAX_ITEMS


@pytest.mark.parametrize(
    "text",
    [
        "not a vcard at all",
        card("3.0", "FN:No uid"),
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        card("3.0", "UID:x", "FN:" + "a" * 600_000),
    ],
)
def test_malformed_cards_are_refused(text: str) -> None:
    with pytest.raises(MalformedContactError):
        contact_from_vcard(text)
