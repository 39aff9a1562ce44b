"""Which way a synced e-mail went, from the connected account's own address: sent by the
user (outbound to the contacts it went to), by a contact (inbound), or by someone else (no
interaction at all), and the account's address taken from its connection's user name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_integrations.connections.models import (
    Connection,
    ConnectionStatus,
    Provider,
    SyncFrequency,
)
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.interactions.derive import parties
from muninn_integrations.sync.service import connection_scope

ME = "me@home.example"
KNOWN = {"ana@acme.example": "ana", "ben@acme.example": "ben"}


def mail(sender: str, *to: str) -> dict[str, Any]:
    return {
        "subject": "Slides",
        "from": {"address": sender, "name": ""},
        "to": [{"address": address, "name": ""} for address in to],
        "sent_at": "2026-12-01T09:00:00+00:00",
    }


def directions(data: dict[str, Any], own: str | None = ME) -> dict[str, str]:
    return dict(parties(RecordKind.EMAIL, data, KNOWN, own))


def test_mail_the_user_sent_is_outbound_to_each_contact_it_went_to() -> None:
    sent = mail(ME, "ana@acme.example", "Ben@Acme.example", "nobody@else.example")
    assert directions(sent) == {"ana": "outbound", "ben": "outbound"}


def test_mail_a_contact_sent_is_inbound_with_that_contact_only() -> None:
    assert directions(mail("ana@acme.example", ME, "ben@acme.example")) == {"ana": "inbound"}


def test_mail_a_stranger_sent_is_no_interaction_with_the_contacts_copied() -> None:
    # The user did not write to Ana: the sender is neither the user nor a contact.
    assert directions(mail("newsletter@shop.example", ME, "ana@acme.example")) == {}


def test_the_account_is_recognised_in_any_case_and_not_its_own_contact() -> None:
    known = {**KNOWN, ME: "me-card"}
    sent = mail("Me@Home.Example", "ana@acme.example", ME)
    assert dict(parties(RecordKind.EMAIL, sent, known, ME)) == {"ana": "outbound"}


def test_without_the_accounts_address_a_sender_who_is_no_contact_is_taken_for_the_user() -> None:
    assert directions(mail("login-name@imap.example", "ana@acme.example"), own=None) == {
        "ana": "outbound"
    }
    assert directions(mail("ben@acme.example", "ana@acme.example"), own=None) == {"ben": "inbound"}


def connection(username: str | None) -> Connection:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return Connection(
        id="conn-1",
        provider=Provider.IMAP,
        display_name="Mail",
        server_url="imaps://mail.example.org",
        username=username,
        status=ConnectionStatus.CONNECTED,
        sync_frequency=SyncFrequency.HOURLY,
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize(
    ("username", "account"),
    [(" Me@Home.Example ", ME), ("me", None), (None, None)],
)
def test_a_syncs_scope_carries_the_accounts_address_when_its_user_name_is_one(
    username: str | None, account: str | None
) -> None:
    scope = connection_scope("user-1", connection(username), "job-1")
    assert (scope.user_id, scope.connection_id, scope.provider, scope.generation) == (
        "user-1",
        "conn-1",
        "imap",
        "job-1",
    )
    assert scope.account == account
